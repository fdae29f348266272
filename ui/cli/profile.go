package cli

import (
	"os"
	"runtime/pprof"
)

// StartProfile writes a CPU profile of the run to the file named by
// SQC_CPUPROFILE (unset: nothing), to measure what the console costs
// while it sits idle on a large fleet; the returned func ends it.
func StartProfile() func() {
	path := os.Getenv("SQC_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if pprof.StartCPUProfile(f) != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
