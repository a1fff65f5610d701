// Package budget estimates whether a computation fits the machine before it
// starts: the memory a command is about to allocate is compared with a
// budget (by default half the machine's physical memory), so that too
// large a request is refused with a message naming what it asked for,
// instead of ending in an out-of-memory crash or a swap storm.
package budget

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Default is the budget when none is given: half of the machine's physical
// memory (MemTotal in /proc/meminfo), or 4 GiB when that cannot be read.
func Default() int64 {
	if t := memTotal(); t > 0 {
		return t / 2
	}
	return 4 << 30
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 2 && fields[1] == "kB" {
				kb, err := strconv.ParseInt(fields[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// Parse reads a size: a number of bytes with an optional unit B, KB, MB,
// GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g.
// "8GiB", "500MB", "1e9".
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a positive size (bytes, or a number with B, KB, MB, GB, KiB, MiB, GiB…)", s)
	}
	return int64(v * mult), nil
}

// Format writes a size in the largest binary unit that keeps it ≥ 1.
func Format(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[i]
}

// Need is a computation's estimated memory: Bytes in all, and what asks
// for it (the flags, for a command line).
type Need struct {
	Bytes float64
	What  string
}

// Check refuses a need above limit (bytes; ≤ 0 means Default()), naming
// what asks for it, the estimate and the limit. Estimates are float64 so
// that products of huge sizes do not wrap around.
func Check(n Need, limit int64) error {
	if limit <= 0 {
		limit = Default()
	}
	if n.Bytes > float64(limit) {
		return fmt.Errorf("%s would need about %s of memory, above the limit of %s (--max-memory raises it)", n.What, Format(n.Bytes), Format(float64(limit)))
	}
	return nil
}
