package ei

import "syscall"

// childAttr makes the processes the tests start die with the test binary,
// should it be killed before it can stop them.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
