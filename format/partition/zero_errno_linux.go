package partition

import (
	"errors"
	"syscall"
)

func isNoData(err error) bool { return errors.Is(err, syscall.ENXIO) }
