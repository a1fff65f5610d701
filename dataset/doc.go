// Package dataset loads the data that ebm's energy-based models train on and
// returns it as a [Set]: an n×d row-major float32 [tensor.Matrix], optional
// labels, and the image shape when rows are images.
//
// [Load] takes a spec string:
//
//	mnist, mnist:train        the 60,000 MNIST training images (labels 0–9)
//	mnist:test                the 10,000 MNIST test images
//	mnist:N, mnist:train:N,   the first N images of that split
//	mnist:test:N
//	bars:NxM                  every bars-and-stripes pattern on an N-row ×
//	                          M-column grid (2^N + 2^M − 2 patterns)
//	path/to/file.npy          2-D NumPy array, dtype uint8, float32 or float64
//	path/to/file.csv          numeric comma-separated values
//	path/to/file.idx          IDX file (also *-ubyte, *.idx3-ubyte, …, each
//	                          optionally gzip-compressed with a .gz suffix)
//	path/to/image.png         a single PNG image as one row
//	path/to/dir               every .png file in the directory, one per row
//
// IDX files must hold unsigned bytes: magic 0x00000803 (n images of h×w,
// giving H = h, W = w), 0x00000802 (an n×d matrix) or 0x00000801 (n values,
// loaded as a single column). Any of them may be gzip-compressed.
//
// The spec words mnist and bars are tried before the file system: to load a
// file that is literally named "mnist", write "./mnist".
//
// The MNIST data (the four original IDX files, gzip-compressed, about 11 MB)
// is embedded in the package with go:embed, so no download is ever needed.
// Each split is decompressed lazily, on first use, once per process; later
// loads only convert the pixels they need (byte/255 → float32 in [0,1]).
//
// # Values
//
// Pixel data (MNIST, IDX, PNG) becomes intensities in [0,1]: byte/255, or
// the 16-bit gray level /65535 for 16-bit PNGs. Colour PNGs are converted to
// gray with the standard luminance weights (image/color.Gray16Model); alpha
// is premultiplied, so fully transparent pixels read as 0. A .npy of dtype
// uint8 is treated as image intensities and divided by 255 when any value is
// above 1; a uint8 array holding only 0 and 1 is taken to be binary data and
// kept as is. float32 and float64 arrays and CSV values are kept as they are
// (float64 rounded to float32). No loader accepts NaN or ±Inf.
//
// # Image shape
//
// H and W are set when the rows are images: MNIST (28×28), bars (N×M), a
// 3-D IDX file (its two trailing dimensions) and PNG files (their size). For
// a 2-D IDX, .npy or .csv source, whose rows carry no shape, H = W = √d when
// d is a perfect square of at least 4 (a 784-column CSV is shown as 28×28),
// else H = W = 0.
//
// # Binarization
//
// [Options].Binarize turns the values into 0/1 after loading (and after
// Limit): "threshold" sets x ≥ 0.5 to 1 and everything else to 0; "sample"
// replaces each value x by one draw of Bernoulli(x) from a [tensor.Rand]
// seeded with [Options].BinarizeSeed (0 means the default seed, 1). See
// [Binarize].
//
// # Errors
//
// Bad input never panics. Every error names the spec or file and, where it
// can, the place in it: a byte offset and the expected and actual sizes for
// truncated files, the magic number in hex for a wrong IDX header, the line
// and field (1-based, as in a text editor) for CSV files, the row and column
// (0-based, as in [tensor.Matrix.At]) for values in a loaded matrix, the file
// name for a PNG directory. Malformed input wraps [ErrFormat] and input
// without rows or columns wraps [ErrEmpty], for use with errors.Is; a path
// that does not exist wraps [io/fs.ErrNotExist].
package dataset
