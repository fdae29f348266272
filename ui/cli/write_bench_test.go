package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sqc/api"
)

// sqc config get of a device with 10,000 settings, 100 groups, each
// value 1 KB: the table is cut and written in one pass.
func BenchmarkConfigGetPrint10kSettings(b *testing.B) {
	cfg := api.Config{}
	long := strings.Repeat("x", 1024)
	for i := range 10_000 {
		if err := cfg.Set(fmt.Sprintf("group%d.setting%d", i%100, i), long); err != nil {
			b.Fatal(err)
		}
	}
	cr := &api.ConfigResponse{Config: cfg, Synced: true}
	e := &env{o: &sharedOpts{ascii: true}, stdout: io.Discard}
	b.ReportAllocs()
	for b.Loop() {
		if err := printConfig(context.Background(), e, "JDA54E19F", cr); err != nil {
			b.Fatal(err)
		}
	}
}

// sqc device add --from with the most rows a file may have.
func BenchmarkReadDeviceCSV100kRows(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("deviceid,group,setup_password\n")
	for i := range maxIDs {
		fmt.Fprintf(&sb, "A%08d,Mine Site %d,PW%06d\n", i, i%7, i)
	}
	path := filepath.Join(b.TempDir(), "devices.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := readDeviceCSV(path, api.AddUserRequest{})
		if err != nil || len(rows) != maxIDs || rows[len(rows)-1].bad != nil {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}
