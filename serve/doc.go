// Package serve is the HTTP server behind `ebm serve`: an interactive
// explorer of energy-based models in the browser. It serves an embedded page
// (plain HTML, JavaScript and canvas) and the JSON API the page uses: store
// patterns in a Hopfield memory (classical, dense or continuous), corrupt a
// cue and stream its recall sweep by sweep with every unit change and the
// energy after it; run a block-Gibbs chain of an RBM step by step, measure
// free energies and reconstructions; look at the softmax weights of a
// continuous modern Hopfield network as β changes. docs/serve.md documents
// every endpoint.
//
// A Server is an http.Handler. It holds the models given in its Config and
// never touches the file system after New. Every request is validated (sizes,
// ranges, a body limit), runs under a time limit, and takes one of a bounded
// number of computation slots (further requests wait in a bounded queue):
// bad or oversized requests get a 4xx answer with a message, an overloaded
// server a 503, never a crash or a hang.
//
// Every random draw (corruption, sweep orders, Gibbs chains) comes from a
// generator seeded by the request, so the same request gives the same answer.
package serve
