package cli

import (
	"context"
	"fmt"
	"sort"
	"time"

	"sqc/api/sim"
)

func runSim(ctx context.Context, e *env, o *simOpts, _ []string) error {
	lat, err := time.ParseDuration(o.latency)
	if err != nil || lat < 0 {
		return usagef("--latency %q: use a duration such as 300ms", o.latency)
	}
	if o.devices < 1 || o.devices > 100000 {
		return usagef("--devices %d: use 1 to 100000", o.devices)
	}
	if o.hosted < 0 || o.hosted > 1 || o.failRate < 0 || o.failRate > 1 {
		return usagef("--hosted and --fail-rate are fractions from 0 to 1")
	}
	hosted := o.hosted
	if hosted == 0 {
		hosted = -1 // sim.Options treats 0 as "default"
	}
	s := sim.New(sim.Options{Devices: o.devices, Seed: o.seed, Key: o.key, HostedFraction: hosted, Latency: lat, FailRate: o.failRate})
	url, stop, err := sim.Listen(s, o.listen, e.stderr)
	if err != nil {
		return err
	}
	defer stop()
	lim := s.Limits()
	fmt.Fprintf(e.stdout, "sqc sim: a simulated Senquip Cloud with %d devices (%d Hosted: %g req/s, %d req/day), seed %d\n\n",
		o.devices, lim.Hosted, lim.RatePerSecond, lim.Daily, o.seed)
	fmt.Fprintf(e.stdout, "  export SENQUIP_API_URL=%s\n  export SENQUIP_API_KEY=%s\n\n", url, s.Key())
	fmt.Fprintf(e.stdout, "  curl -H \"X-API-Key: $SENQUIP_API_KEY\" \"$SENQUIP_API_URL/devices?limit=5\"\n  sqc devices\n\n")
	claim := s.Claimable()
	ids := make([]string, 0, len(claim))
	for id := range claim {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintln(e.stdout, "  devices that can be added to the account:")
	for _, id := range ids {
		if pw := claim[id]; pw != "" {
			fmt.Fprintf(e.stdout, "    %s  setup password %s\n", id, pw)
		} else {
			fmt.Fprintf(e.stdout, "    %s  no password\n", id)
		}
	}
	fmt.Fprintln(e.stdout, "\nctrl+c stops it.")
	<-ctx.Done()
	return nil
}
