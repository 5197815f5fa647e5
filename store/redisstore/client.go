package redisstore

import (
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Mode says how Options.URL names the Redis servers.
type Mode string

// The deployments New connects to.
const (
	// ModeSingle: URL is one server, redis://host:port/db, rediss:// or
	// unix:// (go-redis ParseURL).
	ModeSingle Mode = ""
	// ModeCluster: URL lists seed nodes of a Redis Cluster,
	// redis://host:port?addr=host2:port2&addr=host3:port3 (go-redis
	// ParseClusterURL; database 0 only). Every key of a site is in one
	// hash slot (keys.go), so each Apply is still one atomic script.
	ModeCluster Mode = "cluster"
	// ModeSentinel: URL lists the Sentinels and names the master,
	// redis://sentinel:26379/db?master_name=NAME&addr=sentinel2:26379
	// (go-redis ParseFailoverURL). The client asks the Sentinels for the
	// master and follows its failovers.
	ModeSentinel Mode = "sentinel"
)

// Errors of client options.
var (
	// ErrBadMode is returned for a Mode other than the ones above.
	ErrBadMode = errors.New(`redisstore: mode must be "", "cluster" or "sentinel"`)
	// ErrNoMaster is returned in ModeSentinel for a URL without master_name.
	ErrNoMaster = errors.New("redisstore: sentinel URL needs master_name=NAME")
)

// newClient returns the client of opts.Mode for opts.URL and a description
// of the servers for errors. Every client honours context deadlines, and
// dial, read and write timeouts the URL leaves zero are DefaultIOTimeout.
func newClient(opts Options) (redis.UniversalClient, string, error) {
	switch opts.Mode {
	case ModeSingle:
		ro, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, "", wrap("url", err)
		}
		ro.ContextTimeoutEnabled = true
		defaultTimeouts(&ro.DialTimeout, &ro.ReadTimeout, &ro.WriteTimeout)
		return redis.NewClient(ro), ro.Addr, nil
	case ModeCluster:
		co, err := redis.ParseClusterURL(opts.URL)
		if err != nil {
			return nil, "", wrap("cluster url", err)
		}
		co.ContextTimeoutEnabled = true
		defaultTimeouts(&co.DialTimeout, &co.ReadTimeout, &co.WriteTimeout)
		return redis.NewClusterClient(co), "cluster " + co.Addrs[0], nil
	case ModeSentinel:
		fo, err := redis.ParseFailoverURL(opts.URL)
		if err != nil {
			return nil, "", wrap("sentinel url", err)
		}
		if fo.MasterName == "" {
			return nil, "", ErrNoMaster
		}
		fo.ContextTimeoutEnabled = true
		defaultTimeouts(&fo.DialTimeout, &fo.ReadTimeout, &fo.WriteTimeout)
		return redis.NewFailoverClient(fo), "master " + fo.MasterName + " via sentinel " + fo.SentinelAddrs[0], nil
	}
	return nil, "", ErrBadMode
}

// defaultTimeouts sets each zero duration to DefaultIOTimeout.
func defaultTimeouts(ds ...*time.Duration) {
	for _, d := range ds {
		if *d == 0 {
			*d = DefaultIOTimeout
		}
	}
}
