// Package viz draws the pictures an energy-based model run produces: image
// grids of samples, reconstructions and fantasy particles (Grid), grids of
// learned RBM filters (Filters), and training curves (Curves).
//
// Grid and Filters return an *image.Gray, which SavePNG writes. Curves draws
// with gonum.org/v1/plot and writes PNG, SVG or PDF depending on the file
// extension. Every file is written atomically: to a temporary file in the
// destination directory that is then renamed over the destination, so a
// reader never sees a half-written picture.
//
// Nothing here panics on bad input; shapes that do not fit are errors.
package viz
