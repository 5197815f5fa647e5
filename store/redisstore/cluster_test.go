package redisstore

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

// TestCluster runs the store contract on a 3-master Redis Cluster, then
// checks that every key the suite wrote is in its site's hash slot.
func TestCluster(t *testing.T) {
	t.Parallel() // its own Redis processes; slow, so overlapped with the rest
	c := redistest.StartCluster(t, 3)
	opener := func(t *testing.T) Options {
		return Options{URL: c.URL(), Mode: ModeCluster, Site: nextSite()}
	}
	t.Run("Contract", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, r storetest.Retention) store.Store {
			o := opener(t)
			o.EventMaxLen, o.EventMaxAge, o.TrailMaxAge, o.AnalyticsMaxAge = r.MaxLen, r.MaxAge, r.TrailMaxAge, r.AnalyticsMaxAge
			return open(t, o)
		})
	})
	t.Run("AuditContract", func(t *testing.T) {
		storetest.RunAudit(t, func(t *testing.T) store.AuditLog { return open(t, opener(t)) })
	})
	t.Run("OneSlotPerSite", func(t *testing.T) { checkSlots(t, c) })
}

// checkSlots checks every key on the cluster: named rtls:{site}:..., and in
// the hash slot of {site} by CLUSTER KEYSLOT, which the node holding it
// serves. The keys of several sites spread over several nodes.
func checkSlots(t *testing.T, c *redistest.Cluster) {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer rdb.Close()
	ctx := t.Context()
	var mu sync.Mutex // guards byNode
	byNode := map[string][]string{}
	err := rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		var keys []string
		iter := node.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		mu.Lock()
		defer mu.Unlock()
		byNode[node.Options().Addr] = keys
		return iter.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	total, sites := 0, map[string]bool{}
	for addr, keys := range byNode {
		total += len(keys)
		node := redis.NewClient(&redis.Options{Addr: addr})
		for _, k := range keys {
			site, ok := siteOf(k)
			if !ok {
				t.Errorf("key %q is not rtls:{site}:...", k)
				continue
			}
			sites[site] = true
			if got, want := slot(t, node, k), slot(t, node, "{"+site+"}"); got != want {
				t.Errorf("key %q in slot %d, its site's slot is %d", k, got, want)
			}
		}
		_ = node.Close()
	}
	if total < 100 || len(sites) < 20 || len(byNode) != 3 {
		t.Errorf("%d keys of %d sites on %d nodes: the suite wrote less than expected", total, len(sites), len(byNode))
	}
	t.Logf("%d keys of %d sites on %d nodes, each key in its site's slot", total, len(sites), len(byNode))
}

// TestKeyNamesShareTheSiteSlot checks every key, prefix and channel name of
// keys.go (whatever fields it gains) with CLUSTER KEYSLOT: a key made from
// a prefix keeps the prefix's hash tag, so it is in the slot too.
func TestKeyNamesShareTheSiteSlot(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	node := redis.NewClient(&redis.Options{Addr: c.Addrs()[0]})
	defer node.Close()
	for _, site := range []string{"default", "campus-north", "a:b c"} {
		want := slot(t, node, "{"+site+"}")
		v := reflect.ValueOf(newKeys(site))
		n := 0
		for i := range v.NumField() {
			f := v.Field(i)
			var names []string
			switch f.Kind() {
			case reflect.String:
				names = []string{f.String()}
			case reflect.Slice:
				for j := range f.Len() {
					names = append(names, f.Index(j).String())
				}
			default:
				t.Fatalf("keys.%s: unexpected kind %v", v.Type().Field(i).Name, f.Kind())
			}
			for _, name := range names {
				n++
				if got := slot(t, node, name+"x"); got != want {
					t.Errorf("site %q: keys.%s %q in slot %d, want %d", site, v.Type().Field(i).Name, name, got, want)
				}
			}
		}
		if n < 25 {
			t.Errorf("site %q: only %d names checked", site, n)
		}
	}
}

// siteOf returns the site of a key named rtls:{site}:...
func siteOf(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "rtls:{")
	if !ok {
		return "", false
	}
	site, _, ok := strings.Cut(rest, "}:")
	return site, ok
}

// slot returns CLUSTER KEYSLOT of key.
func slot(t *testing.T, node *redis.Client, key string) int64 {
	t.Helper()
	n, err := node.ClusterKeySlot(t.Context(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
