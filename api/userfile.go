package api

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Every file a user names (a certificate or key to load, a device CSV, a
// route collection) is opened here, because a name can point elsewhere:
// a link named mqtt_client.key can lead to another private key, which
// would then be sent to a device; a FIFO or a device file blocks in open
// or never ends. So only a regular file is read, the last part of its
// path is never followed if it is a link (the user is told the target and
// can name it), a FIFO cannot block the open (O_NONBLOCK), and a file
// bigger than its use is refused before any of it is read.
//
// It lives in api beside the PEM and file-name checks, where the contents
// of these files are judged, and where both the console and the command
// line can reach it.

// MaxCollectionSize bounds a Postman collection to import: the Senquip
// API's is tens of kilobytes, and the whole file is decoded at once.
const MaxCollectionSize = 8 << 20

// FileTooBigError is a file over the limit of what it is read for.
type FileTooBigError struct{ Size, Limit int64 }

func (e *FileTooBigError) Error() string {
	if e.Size > e.Limit {
		return fmt.Sprintf("%d bytes: the most sqc reads for this is %d", e.Size, e.Limit)
	}
	return fmt.Sprintf("grew while it was read, past the %d bytes sqc reads for this", e.Limit)
}

// OpenUserFile opens a file the user named for reading at most limit
// bytes. The reader fails if the file grows past the limit while it is
// read. The caller closes it.
func OpenUserFile(path string, limit int64) (io.ReadCloser, error) {
	if openNoFollow == 0 { // no O_NOFOLLOW here: look before opening
		if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, symlinkError(path)
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoFollow|openNonBlock, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, unwrapPath(err)
	}
	if err := regularFile(path, st); err != nil {
		f.Close()
		return nil, err
	}
	if st.Size() > limit {
		f.Close()
		return nil, &FileTooBigError{Size: st.Size(), Limit: limit}
	}
	return &boundedFile{f: f, r: io.LimitReader(f, limit+1), limit: limit}, nil
}

// ReadUserFile reads the whole of a file the user named, if it is a
// regular file of at most limit bytes.
func ReadUserFile(path string, limit int64) ([]byte, error) {
	rc, err := OpenUserFile(path, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// ReadLoadFile reads a file to load onto a device: a regular file the
// user named, no bigger than a device takes.
func ReadLoadFile(path string) ([]byte, error) {
	b, err := ReadUserFile(path, MaxFileSize)
	if tb := (*FileTooBigError)(nil); errors.As(err, &tb) && tb.Size > tb.Limit {
		return nil, fmt.Errorf("%d bytes: a device takes at most %d", tb.Size, tb.Limit)
	}
	return b, err
}

type boundedFile struct {
	f     *os.File
	r     io.Reader
	n     int64
	limit int64
}

func (b *boundedFile) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return n, &FileTooBigError{Size: b.n, Limit: b.limit}
	}
	return n, unwrapPath(err)
}

func (b *boundedFile) Close() error { return b.f.Close() }

// regularFile refuses what is not a plain file, saying what it is.
func regularFile(path string, st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return errors.New("a folder, not a file: name a file in it")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("a named pipe (FIFO), not a regular file: sqc reads only regular files; save what it carries to a file and name that")
	case m&fs.ModeSocket != 0:
		return errors.New("a socket, not a regular file: sqc reads only regular files")
	case m&fs.ModeDevice != 0:
		return errors.New("a device file, not a regular file: sqc reads only regular files")
	case m&fs.ModeSymlink != 0:
		return symlinkError(path)
	}
	return fmt.Errorf("not a regular file (%s): sqc reads only regular files", m.Type())
}

// openError explains a refused open; a link is named with its target.
func openError(path string, err error) error {
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
			return symlinkError(path)
		}
	}
	return unwrapPath(err)
}

func symlinkError(path string) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		if t, rerr := os.Readlink(path); rerr == nil {
			return fmt.Errorf("a symbolic link to %s, which cannot be read (%v): sqc does not follow links; name the file itself", Clean(t), unwrapPath(err))
		}
		return errors.New("a symbolic link: sqc does not follow links; name the file itself")
	}
	if abs, aerr := filepath.Abs(target); aerr == nil {
		target = abs
	}
	return fmt.Errorf("a symbolic link to %s: sqc does not follow links, so that a name cannot lead to another file; if %s is the file you mean, name it itself", Clean(target), Clean(target))
}

// unwrapPath drops the path from an os error: callers name the file.
func unwrapPath(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
