//go:build race

package serve

// raceOn: the race detector's shadow memory grows with what the test
// touches and is not given back, so RSS is measured without it.
const raceOn = true
