package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/hospitalrtls/rtls/location/geofence"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
	"github.com/redis/go-redis/v9"
)

// ReadEvents returns up to count events after afterID, waiting up to block
// for one to arrive. It does not hold a connection while it waits (no
// XREAD BLOCK): it waits for the store's Pub/Sub notification of new events
// and reads again, so many waiting readers cost no pool connections.
func (s *Store) ReadEvents(ctx context.Context, afterID string, count int, block time.Duration) ([]geofence.Event, error) {
	after, err := cursor.ParseID(afterID)
	if err != nil {
		return nil, err
	}
	n := cursor.PageSize(count)
	return cursor.Wait(ctx, block, func(waiting bool) ([]geofence.Event, <-chan struct{}, error) {
		var wake <-chan struct{}
		if waiting { // before reading, so an append after the read wakes us
			if wake, err = s.notify.eventsWake(ctx); err != nil {
				return nil, nil, wrap("read events", err)
			}
		}
		evs, err := s.readAfter(ctx, after, n)
		return evs, wake, err
	})
}

// readAfter reads up to n events after id without blocking: from the
// events this store wrote last when they answer for id (recent), else from
// the stream. Entries it cannot decode are logged and skipped.
func (s *Store) readAfter(ctx context.Context, id cursor.ID, n int) ([]geofence.Event, error) {
	if evs, ok := s.recent.after(id, n); ok {
		return evs, nil
	}
	after := id.String()
	for {
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{s.keys.events, after}, Count: int64(n), Block: -1,
		}).Result()
		if errors.Is(err, redis.Nil) || err == nil && len(res) == 0 {
			return nil, nil
		}
		if err != nil {
			return nil, wrap("read events", err)
		}
		msgs := res[0].Messages
		if evs := s.decodeEvents(msgs); len(evs) > 0 || len(msgs) == 0 {
			return evs, nil
		}
		after = msgs[len(msgs)-1].ID // all undecodable: read on
	}
}

func (s *Store) decodeEvents(msgs []redis.XMessage) []geofence.Event {
	evs := make([]geofence.Event, 0, len(msgs))
	for _, m := range msgs {
		e, err := decodeEvent(m)
		if err != nil {
			s.opts.Logger.Error("redisstore: skipping undecodable event", "id", m.ID, "err", err)
			continue
		}
		evs = append(evs, e)
	}
	return evs
}

// LastEventID returns the id of the newest retained event, "0" when none.
func (s *Store) LastEventID(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keys.events, "+", "-", 1).Result()
	if err != nil {
		return "", wrap("last event id", err)
	}
	if len(msgs) == 0 {
		return "0", nil
	}
	return msgs[0].ID, nil
}

// FirstEventID returns the id of the oldest retained event, "0" when none.
func (s *Store) FirstEventID(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRangeN(ctx, s.keys.events, "-", "+", 1).Result()
	if err != nil {
		return "", wrap("first event id", err)
	}
	if len(msgs) == 0 {
		return "0", nil
	}
	return msgs[0].ID, nil
}

// ListEvents pages through retained events whose event time is in the
// query's range, in stream order. It scans the stream ids of the range
// widened by EventTimeSlack, in chunks, and keeps events by their own time.
func (s *Store) ListEvents(ctx context.Context, q store.EventQuery) (store.EventPage, error) {
	w := cursor.NewWindow(q.FromTS, q.ToTS, s.opts.EventTimeSlack)
	start := w.First.String()
	if q.PageToken != "" {
		after, err := cursor.ParseEventToken(q.PageToken)
		if err != nil {
			return store.EventPage{}, err
		}
		if after.Compare(w.First) >= 0 {
			start = "(" + after.String()
		}
	}
	end := "+"
	if w.Bounded() {
		end = strconv.FormatUint(w.Last.MS, 10)
	}
	size := cursor.PageSize(q.PageSize)
	chunk := int64(max(size+1, 100))
	var page store.EventPage
	for {
		msgs, err := s.rdb.XRangeN(ctx, s.keys.events, start, end, chunk).Result()
		if err != nil {
			return store.EventPage{}, wrap("list events", err)
		}
		for _, e := range s.decodeEvents(msgs) {
			if !w.Holds(e.TS) {
				continue
			}
			if len(page.Events) == size { // one more match: another page follows
				page.NextPageToken = s.eventToken(page.Events[size-1].ID)
				return page, nil
			}
			page.Events = append(page.Events, e)
		}
		if int64(len(msgs)) < chunk {
			return page, nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// eventToken returns the page token continuing after stream id.
func (s *Store) eventToken(id string) string {
	parsed, err := cursor.ParseID(id)
	if err != nil { // Redis only issues valid ids
		s.opts.Logger.Error("redisstore: unexpected stream id", "id", id)
	}
	return cursor.EventToken(parsed)
}
