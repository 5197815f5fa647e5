package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hospitalrtls/rtls/store"
)

// defaultGenerationCheck is how often the site's generation marker is
// compared when Config.GenerationCheck is 0.
const defaultGenerationCheck = 5 * time.Second

// generationStore is a store that keeps a site generation marker and
// notices lost acknowledged writes (redisstore); the embedded store cannot
// lose its data behind the server.
type generationStore interface {
	// Generation sets the marker to id unless one is set and returns the
	// stored one and whether this call created it.
	Generation(ctx context.Context, id string) (stored string, created bool, err error)
	// RolledBack counts the writes that found acknowledged ones lost (a
	// failover to a replica that lagged).
	RolledBack() uint64
}

// configRestorer writes the configuration again from memory
// (pipeline.RestoreConfig through the engine switch).
type configRestorer interface {
	RestoreConfig(ctx context.Context) error
}

// guard notices that the store lost the site's data (a flushed Redis, one
// restarted without persistence, a failover to a replica that never had
// the data): the generation marker it saw at start is gone or another; or
// lost its newest writes (a failover to a replica that lagged behind): the
// store's RolledBack count grew. It then logs one error, counts it and
// writes the configuration (rules, zones, tags) again from the pipeline's
// copy; events and positions written before the loss stay lost.
type guard struct {
	st     generationStore
	pipe   configRestorer
	log    *slog.Logger
	lost   prometheus.Counter
	id     string // the marker of the data this server works on; owned by run
	rolled uint64 // the RolledBack count handled; owned by run
}

// newGuard reads (or creates) the site's marker; nil for a store without
// one.
func newGuard(ctx context.Context, st store.Store, pipe configRestorer, log *slog.Logger, reg prometheus.Registerer) (*guard, error) {
	gs, ok := st.(generationStore)
	if !ok {
		return nil, nil
	}
	id, _, err := gs.Generation(ctx, rand.Text())
	if err != nil {
		return nil, fmt.Errorf("server: store generation: %w", err)
	}
	g := &guard{st: gs, pipe: pipe, log: log, id: id, rolled: gs.RolledBack(), lost: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rtls_store_data_loss_total",
		Help: "Times the store was found to have lost the site's data (generation marker gone or changed) or acknowledged writes (a failover to a lagging replica); the configuration was written again.",
	})}
	reg.MustRegister(g.lost)
	return g, nil
}

// run checks the marker every period until ctx ends.
func (g *guard) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.check(ctx)
		}
	}
}

// check compares the stored marker with the one this server works on, and
// the store's RolledBack count with the one handled. A store that cannot
// answer is checked again next time.
func (g *guard) check(ctx context.Context) {
	stored, created, err := g.st.Generation(ctx, g.id)
	if err != nil {
		return
	}
	rolled := g.st.RolledBack() // after Generation, which also compares Seqs
	changed := created || stored != g.id
	if !changed && rolled == g.rolled {
		return
	}
	g.id, g.rolled = stored, rolled
	g.lost.Inc()
	if changed {
		g.log.Error("STORE DATA LOST: the site's generation marker was gone or changed (Redis flushed, restarted without persistence or failed over to a stale replica); earlier events and positions are gone; writing rules, zones and tags again from memory",
			"marker_created", created)
	} else {
		g.log.Error("STORE DATA LOST: Redis lost acknowledged writes (a failover to a replica that lagged behind); the newest events and positions before the failover are gone; writing rules, zones and tags again from memory")
	}
	if err := g.pipe.RestoreConfig(ctx); err != nil {
		g.log.Error("writing the configuration again failed; it stays queued for retry", "err", err)
	}
}

// storedConfig reads the configuration items in the store, by kind and id.
func storedConfig(ctx context.Context, st store.Store) (map[string]map[string][]byte, error) {
	out := make(map[string]map[string][]byte)
	for _, kind := range store.ConfigKinds() {
		byID, err := st.LoadConfig(ctx, kind)
		if err != nil {
			return nil, fmt.Errorf("server: stored %ss: %w", kind, err)
		}
		out[kind] = byID
	}
	return out, nil
}
