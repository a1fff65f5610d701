// Package readlimit is the one way ebm reads a file a user names: only
// regular files (a symbolic link is followed, but what it points to must be
// a regular file), opened without blocking, and never more bytes than a cap.
//
// A FIFO, a device such as /dev/zero, a socket or a directory is refused at
// once with an error naming the path (wrapping ErrNotRegular); a file over
// the cap is refused before it is read (wrapping ErrTooLarge). Readers of
// formats with headers check the sizes a header declares against Size
// before they allocate, so that nothing is read past what the header says.
package readlimit

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// DefaultMax is the cap used when a caller passes max ≤ 0: 32 GiB, the
// largest data or model file ebm reads.
const DefaultMax int64 = 32 << 30

var (
	// ErrNotRegular reports a path that is not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge reports a file over the cap.
	ErrTooLarge = errors.New("file too large")
)

// File is an open regular file and its size when it was opened.
type File struct {
	*os.File
	Size int64
}

// Open opens path for reading if it is a regular file of at most max bytes
// (max ≤ 0: DefaultMax). Errors name path.
func Open(path string, max int64) (*File, error) {
	if max <= 0 {
		max = DefaultMax
	}
	// Stat first, so that a FIFO is refused without opening it (an open
	// of a FIFO with no writer blocks); the non-blocking open and the check
	// of the opened file close the race with a path replaced in between.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // *fs.PathError names path
	}
	if err := check(path, fi, max); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	if err := check(path, fi, max); err != nil {
		f.Close()
		return nil, err
	}
	return &File{File: f, Size: fi.Size()}, nil
}

// ReadFile reads the whole of the regular file path, of at most max bytes
// (max ≤ 0: DefaultMax). A file that grows past max while it is read is
// refused too. Errors name path.
func ReadFile(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMax
	}
	f, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadAll(max)
}

// ReadAll reads the rest of f, at most max bytes (max ≤ 0: DefaultMax),
// allocating for the size f had when opened.
func (f *File) ReadAll(max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMax
	}
	buf := make([]byte, 0, min(f.Size, max)+1)
	for {
		if int64(len(buf)) > max {
			return nil, tooLarge(f.Name(), int64(len(buf)), max)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if int64(len(buf)) > max {
				return nil, tooLarge(f.Name(), int64(len(buf)), max)
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Check returns nil if fi, the result of os.Stat(path), is a regular file
// of at most max bytes (max ≤ 0: DefaultMax), else an error naming path.
func Check(path string, fi fs.FileInfo, max int64) error {
	if max <= 0 {
		max = DefaultMax
	}
	return check(path, fi, max)
}

func check(path string, fi fs.FileInfo, max int64) error {
	mode := fi.Mode()
	if !mode.IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is %s", ErrNotRegular, kind(mode))}
	}
	if fi.Size() > max {
		return tooLarge(path, fi.Size(), max)
	}
	return nil
}

func tooLarge(path string, size, max int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %d bytes or more, over the limit of %d", ErrTooLarge, size, max)}
}

// kind names a non-regular file type.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "of mode " + m.String()
}
