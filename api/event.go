package api

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hospitalrtls/rtls/location/geofence"
	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/cursor"
)

const (
	// maxListReads bounds the store pages one filtered ListEvents reads.
	maxListReads = 10
	// watchBatch is how many events WatchEvents reads from the store at once.
	watchBatch = 100
	// watchBlock is how long one store read of WatchEvents waits for new
	// events; it bounds how late a watch notices a cancellation.
	watchBlock = time.Second
)

// EventServer implements rtlsv1.EventServiceServer over an EventReader.
type EventServer struct {
	rtlsv1.UnimplementedEventServiceServer

	events EventReader
	groups GroupResolver // nil: requests with group ids are rejected
	log    *slog.Logger
	batch  int              // events per store read of a watch
	block  time.Duration    // wait of one store read of a watch
	now    func() time.Time // the clock after_id is checked against
}

// NewEventServer returns an EventServer reading the event stream. groups,
// when not nil, expands the group ids of filters; log, when not nil,
// receives store errors (never tag ids).
func NewEventServer(events EventReader, groups GroupResolver, log *slog.Logger) *EventServer {
	return &EventServer{events: events, groups: groups, log: orDiscard(log), batch: watchBatch, block: watchBlock, now: time.Now}
}

// ListEvents returns one page of events in an event-time range.
func (s *EventServer) ListEvents(ctx context.Context, req *rtlsv1.ListEventsRequest) (*rtlsv1.ListEventsResponse, error) {
	q, err := eventQuery(req)
	if err != nil {
		return nil, err
	}
	if err := checkFilter(req.GetFilter(), s.groups); err != nil {
		return nil, err
	}
	if err := checkFilterIDs(ctx, req.GetFilter(), s.groups, s.log); err != nil {
		return nil, err
	}
	m, err := newEventMatcher(ctx, req.GetFilter(), s.groups)
	if err != nil {
		return nil, toStatus(s.log, err, "filter.group_ids")
	}
	return s.fillPage(ctx, q, m)
}

// fillPage reads store pages from q on until it has q.PageSize events that
// m selects, the store has no more, or it has read maxListReads pages.
func (s *EventServer) fillPage(ctx context.Context, q store.EventQuery, m *eventMatcher) (*rtlsv1.ListEventsResponse, error) {
	size := q.PageSize
	resp := &rtlsv1.ListEventsResponse{}
	for reads := 1; ; reads++ {
		page, err := s.events.ListEvents(ctx, q)
		if err != nil {
			return nil, toStatus(s.log, err, "request")
		}
		for _, e := range page.Events {
			if m.match(e) {
				resp.Events = append(resp.Events, EventToProto(e))
			}
		}
		resp.NextPageToken = page.NextPageToken
		if page.NextPageToken == "" || len(resp.Events) >= size || reads == maxListReads {
			return resp, nil
		}
		// Ask only for what is left, so that no page overflows.
		q.PageToken, q.PageSize = page.NextPageToken, size-len(resp.Events)
	}
}

// eventQuery validates the range and paging of a ListEventsRequest.
func eventQuery(req *rtlsv1.ListEventsRequest) (store.EventQuery, error) {
	if err := checkPageSize(req.GetPageSize()); err != nil {
		return store.EventQuery{}, err
	}
	if req.From != nil && req.From.CheckValid() != nil {
		return store.EventQuery{}, invalid("from", "invalid timestamp")
	}
	if req.To != nil && req.To.CheckValid() != nil {
		return store.EventQuery{}, invalid("to", "invalid timestamp")
	}
	q := store.EventQuery{
		FromTS:    msFromProto(req.GetFrom()),
		ToTS:      msFromProto(req.GetTo()),
		PageSize:  int(req.GetPageSize()),
		PageToken: req.GetPageToken(),
	}
	if req.From != nil && req.To != nil && q.ToTS < q.FromTS {
		return store.EventQuery{}, invalid("to", "before from")
	}
	if q.PageSize == 0 {
		q.PageSize = cursor.DefaultPageSize
	}
	return q, nil
}

// WatchEvents streams the events selected by the filter in id order, from
// after_id on, until the client goes away.
func (s *EventServer) WatchEvents(req *rtlsv1.WatchEventsRequest, stream grpc.ServerStreamingServer[rtlsv1.Event]) error {
	if err := checkAfterID(req.GetAfterId()); err != nil {
		return err
	}
	if err := checkFilter(req.GetFilter(), s.groups); err != nil {
		return err
	}
	ctx := stream.Context()
	if err := checkFilterIDs(ctx, req.GetFilter(), s.groups, s.log); err != nil {
		return err
	}
	after := req.GetAfterId()
	if err := s.checkRange(ctx, after); err != nil {
		return err
	}
	if after == "" {
		last, err := s.events.LastEventID(ctx)
		if err != nil {
			return toStatus(s.log, err, "after_id")
		}
		after = last
	}
	// The headers tell the client where the stream starts is fixed.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	m, err := newEventMatcher(ctx, req.GetFilter(), s.groups)
	if err != nil {
		return toStatus(s.log, err, "filter.group_ids")
	}
	return s.follow(ctx, after, m, stream.Send)
}

// follow reads the stream after the id after and sends the matching events until
// ctx ends or sending fails. It never sends an event twice or out of order,
// even if the store returns one again.
func (s *EventServer) follow(ctx context.Context, after string, m *eventMatcher, send func(*rtlsv1.Event) error) error {
	last, err := cursor.ParseID(after)
	ordered := err == nil
	for ctx.Err() == nil {
		events, err := s.events.ReadEvents(ctx, after, s.batch, s.block)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return toStatus(s.log, err, "after_id")
		}
		if len(events) > 0 {
			if err := m.refresh(ctx); err != nil {
				if ctx.Err() != nil {
					break
				}
				return toStatus(s.log, err, "filter.group_ids")
			}
			prefetchEventUnits(ctx, events)
		}
		for _, e := range events {
			id, err := cursor.ParseID(e.ID)
			if err == nil && ordered && id.Compare(last) <= 0 {
				continue // a repeat or an id out of order
			}
			after, last, ordered = e.ID, id, err == nil
			if err := sendIf(m, e, send); err != nil {
				return err
			}
		}
	}
	return status.FromContextError(ctx.Err()).Err()
}

// sendIf sends e when m selects it.
func sendIf(m *eventMatcher, e geofence.Event, send func(*rtlsv1.Event) error) error {
	if !m.match(e) {
		return nil
	}
	return send(EventToProto(e))
}
