// Package option is the one error type the library packages use for a bad
// setting: Error names the option as a command line spells it ("batch",
// "noise", "alpha"), so a command-line tool can print its flag
// (internal/cmdutil does, in one place). rbm, hopfield and deep export it as
// their OptionError.
package option

// Error is an error caused by one option of a call: Option names it
// without the dashes, Err says what is wrong and what is allowed.
type Error struct {
	Option string
	Err    error
}

// Error is the option, a colon and the error.
func (e *Error) Error() string { return e.Option + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
