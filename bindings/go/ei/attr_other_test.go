//go:build !linux

package ei

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
