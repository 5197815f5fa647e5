package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// generationScript sets the site's generation marker (KEYS[1]) to ARGV[1]
// unless one is set, and returns the stored marker and 1 when it set it.
var generationScript = redis.NewScript(`
local set = redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {redis.call('GET', KEYS[1]), set and 1 or 0}
`)

// Generation sets the site's generation marker (rtls:{site}:generation) to
// id unless one is set, and returns the marker now stored and whether this
// call created it. A server keeps the marker it saw at start: a later call
// that creates one, or finds another, means the site's data was lost (a
// flushed or restarted Redis without persistence, a failover to a replica
// that never had it).
func (s *Store) Generation(ctx context.Context, id string) (stored string, created bool, err error) {
	res, err := generationScript.Run(ctx, s.rdb, []string{s.keys.generation}, id).Slice()
	if err != nil {
		return "", false, wrap("generation", err)
	}
	stored, _ = res[0].(string)
	n, _ := res[1].(int64)
	return stored, n == 1, nil
}
