package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// generationScript sets the site's generation marker (KEYS[1]) to ARGV[1]
// unless one is set, and returns the stored marker, 1 when it set it, and
// the stored Seq (KEYS[2]; false when none).
var generationScript = redis.NewScript(`
local set = redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {redis.call('GET', KEYS[1]), set and 1 or 0, redis.call('GET', KEYS[2])}
`)

// Generation sets the site's generation marker (rtls:{site}:generation) to
// id unless one is set, and returns the marker now stored and whether this
// call created it. A server keeps the marker it saw at start: a later call
// that creates one, or finds another, means the site's data was lost (a
// flushed or restarted Redis without persistence, a failover to a replica
// that never had it).
//
// It also compares the stored Seq with the highest one this Store
// acknowledged, as each Apply does (checkRollback): a loss of the newest
// writes that no write has followed yet counts in RolledBack too.
func (s *Store) Generation(ctx context.Context, id string) (stored string, created bool, err error) {
	acked := s.acked.Load()
	res, err := generationScript.Run(ctx, s.rdb, []string{s.keys.generation, s.keys.seq}, id).Slice()
	if err != nil {
		return "", false, wrap("generation", err)
	}
	stored, _ = res[0].(string)
	n, _ := res[1].(int64)
	seq, _ := res[2].(string) // nil: no Seq stored
	if last, err := parseSeq(seq, nil); err == nil {
		s.checkRollback(last, acked)
	}
	return stored, n == 1, nil
}
