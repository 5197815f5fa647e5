package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// A tag's status history is a sorted set (keys.go) whose scores number its
// changes from 1 up (the counter is the tag's field of the statusseq hash)
// and whose members are "<number> <JSON>", for example
//
//	7 {"previous":"AVAILABLE","status":"SOILED","ts":1763719201000,"source":"soiled_room","room":"L0-S03"}
//
// The Apply script adds the changes of an update and removes those older
// than the newest store.StatusHistoryLen.

// statusDoc is the stored JSON of a status change (its tag is the key's).
type statusDoc struct {
	Previous string `json:"previous,omitempty"`
	Status   string `json:"status,omitempty"`
	TS       int64  `json:"ts"`
	Source   string `json:"source,omitempty"`
	Room     string `json:"room,omitempty"`
}

// appendStatusArgs appends the status section of the Apply script's ARGV:
// history key prefix, counter hash, changes kept, then tag and JSON per
// change.
func (s *Store) appendStatusArgs(args []any, cs []geofence.StatusChange) []any {
	if len(cs) == 0 {
		return args
	}
	args = append(args, s.keys.statusPrefix, s.keys.statusSeq, store.StatusHistoryLen)
	for _, c := range cs {
		b, _ := json.Marshal(statusDoc{Previous: c.Previous, Status: c.Status, TS: c.TS, Source: c.Source, Room: c.Room}) // strings and an int always encode
		args = append(args, c.Tag, b)
	}
	return args
}

// ListStatusHistory pages through the status changes of one tag, newest
// first, with one ZREVRANGEBYSCORE.
func (s *Store) ListStatusHistory(ctx context.Context, q store.StatusQuery) (store.StatusPage, error) {
	upper := "+inf"
	if q.PageToken != "" {
		before, err := cursor.ParseStatusToken(q.Tag, q.PageToken)
		if err != nil {
			return store.StatusPage{}, err
		}
		upper = "(" + strconv.FormatUint(before, 10)
	}
	size := cursor.PageSize(q.PageSize)
	zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, s.keys.status(q.Tag),
		&redis.ZRangeBy{Max: upper, Min: "-inf", Count: int64(size) + 1}).Result()
	if err != nil {
		return store.StatusPage{}, fmt.Errorf("redisstore: status history: %w", err)
	}
	var page store.StatusPage
	for i, z := range zs {
		if i == size {
			page.NextPageToken = cursor.StatusToken(q.Tag, uint64(zs[i-1].Score))
			break
		}
		c, err := decodeStatus(q.Tag, z.Member)
		if err != nil {
			return store.StatusPage{}, err
		}
		page.Changes = append(page.Changes, c)
	}
	return page, nil
}

// decodeStatus parses a member of a status history.
func decodeStatus(tag string, member any) (geofence.StatusChange, error) {
	s, _ := member.(string)
	_, doc, ok := strings.Cut(s, " ")
	var d statusDoc
	if !ok || json.Unmarshal([]byte(doc), &d) != nil {
		return geofence.StatusChange{}, fmt.Errorf("%w: status history entry", errCorrupt)
	}
	return geofence.StatusChange{Tag: tag, Previous: d.Previous, Status: d.Status, TS: d.TS, Source: d.Source, Room: d.Room}, nil
}
