package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chorus-hq/chorus/internal/account"
	"github.com/chorus-hq/chorus/internal/brand"
	"github.com/chorus-hq/chorus/internal/campaign"
	"github.com/chorus-hq/chorus/internal/config"
	"github.com/chorus-hq/chorus/internal/conversion"
	"github.com/chorus-hq/chorus/internal/demo"
	"github.com/chorus-hq/chorus/internal/jobs"
	"github.com/chorus-hq/chorus/internal/link"
	"github.com/chorus-hq/chorus/internal/listen"
	"github.com/chorus-hq/chorus/internal/listen/insight"
	"github.com/chorus-hq/chorus/internal/platform"
	"github.com/chorus-hq/chorus/internal/store"
	"github.com/chorus-hq/chorus/internal/web"
)

// app is every service of one process, wired once.
type app struct {
	db        *store.DB
	log       *slog.Logger
	accounts  *account.Service
	brand     *brand.Service
	platforms *platform.Service
	campaigns *campaign.Service

	conversions *conversion.Service

	// ingester hands polled posts to the listening pipeline
	// (listenIngester of the listen service); the source poll job is off
	// while it is nil.
	ingester jobs.Ingester

	// listen is listening's pipeline and topics.
	listen *listen.Service

	// migrated names the migrations open applied, the store's and then
	// the job queue's.
	migrated []string
}

// open connects to the database, migrates it and builds the services.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return nil, fmt.Errorf("%w (check --db / CHORUS_DATABASE_URL and --data / CHORUS_DATA)", err)
	}
	migrated, err := db.Upgrade(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	queue, err := jobs.Migrate(ctx, db, log)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate job queue: %w", err)
	}
	catalog, err := platform.Load()
	if err != nil {
		db.Close()
		return nil, err
	}
	brands := brand.NewService(db, catalog.Has)
	platforms := platform.NewService(catalog, db)
	conversions := conversion.NewService(db)
	platforms.Results = channelResults(conversions)
	conversions.CampaignExists = func(ctx context.Context, workspaceID, campaignID int64) error {
		_, err := db.Campaign(ctx, workspaceID, campaignID)
		return err
	}
	listens := listen.NewService(db, listen.Brands{Competitors: brands.Competitors.List, Products: brands.Products.List}, listen.Options{})
	campaigns := campaign.NewService(db, brands, platforms, catalog)
	campaigns.Measurer = campaign.Measurers{conversions, insight.NewService(db)}
	return &app{
		listen:    listens,
		ingester:  listenIngester(listens),
		db:        db,
		log:       log,
		accounts:  account.NewService(db, account.DefaultThrottle(db)),
		brand:     brands,
		platforms: platforms,
		campaigns: campaigns,

		conversions: conversions,
		migrated:    append(migrated, queue...),
	}, nil
}

func (a *app) close() { a.db.Close() }

func (a *app) demoDeps(out io.Writer) demo.Deps {
	return demo.Deps{Accounts: a.accounts, Brand: a.brand, Platforms: a.platforms, Campaigns: a.campaigns,
		Links: a.linkService(), Clicks: a.db, Conversions: a.conversions, Listen: a.listen, Alerts: a.db, Sources: a.db, Audit: a.db,
		Progress: func(step string) { fmt.Fprintf(out, "demo: loading %s…\n", step) }}
}

// jobsStopGrace is how long running jobs may finish after SIGTERM.
const jobsStopGrace = 30 * time.Second

// serve runs the web server and the job workers until ctx ends, then
// drains both.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	proxies, err := cfg.Proxies()
	if err != nil {
		return err
	}
	// Listen first, so that a port in use is told at once rather than
	// after the migrations and the demo load, and leaves no new database.
	ln, err := listenOn(cfg.Addr, "--addr / CHORUS_ADDR")
	if err != nil {
		return err
	}
	defer ln.Close()
	var shortLn net.Listener
	if cfg.ShortAddr != "" {
		if shortLn, err = listenOn(cfg.ShortAddr, "--short-addr / CHORUS_SHORT_ADDR"); err != nil {
			return err
		}
		defer shortLn.Close()
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.Demo {
		login, err := demo.Load(ctx, a.demoDeps(out))
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		fmt.Fprintf(out, "demo workspace %q is ready; sign in as %s with password %s\n", login.Workspace, login.Email, login.Password)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	poller, sources := newSources(a.db, cfg)
	alerts, alertRules := newAlerts(a.db, cfg, log, cfg.PublicURL(), reg)
	defer alerts.Wait()
	a.listen.AfterIngest = alerts.AfterIngest
	worker, err := jobs.New(a.db, jobs.Deps{Cleaner: cleanup{a.accounts, a.db}, Sources: a.db, Poller: poller, Ingester: a.ingester, Alerts: alerts, Rehash: a.db}, jobs.Options{Logger: log})
	if err != nil {
		return err
	}
	reg.MustRegister(worker.Collector())
	links, clicks, closeGeo, err := a.linkServices(cfg, log)
	if err != nil {
		return err
	}
	defer closeGeo()
	srv, err := web.New(web.Deps{
		Links: links, Clicks: clicks, BaseURL: cfg.BaseURL, ShortURL: cfg.ShortURL, Sources: sources,
		Accounts: a.accounts, Brand: a.brand, Platforms: a.platforms, Campaigns: a.campaigns, Conversions: a.conversions,
		Listen: a.listen, Insights: insight.NewService(a.db), Alerts: alertRules,
		Ready: a.db.Ready, Registry: reg, MetricsToken: cfg.MetricsToken, Logger: log, Version: version,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https:"), TrustedProxies: proxies,
	})
	if err != nil {
		return err
	}
	// Jobs run under the start context, which River cancels on the spot;
	// ctx ends at SIGTERM, so they get one that does not, and Stop below
	// lets them finish within jobsStopGrace.
	if err := worker.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	base := cfg.PublicURL()
	if cfg.BaseURL == "" {
		base = "http://" + displayAddr(ln.Addr())
	}
	if token, err := a.accounts.NewSetupToken(ctx); err != nil {
		log.Error("setup token", "err", err)
	} else if token != "" {
		fmt.Fprintf(out, "no users yet: open %s/setup?token=%s to create the first account\n", base, token)
	}
	fmt.Fprintf(out, "chorus %s serving on %s (database: %s)\n", version, base, a.db.Dialect())
	if shortLn != nil {
		fmt.Fprintf(out, "short links also served on http://%s\n", displayAddr(shortLn.Addr()))
	}
	clicks.Start()
	go links.Follow(ctx, linkSyncInterval, log)
	err = serveBoth(ctx, srv, ln, shortLn)
	log.Info("stopping: storing queued clicks and letting running jobs finish; a second signal stops at once")
	// The server has stopped answering redirects: store every queued click
	// before the database closes.
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), clickDrainGrace)
	if derr := clicks.Drain(drainCtx); derr != nil {
		log.Error("drain click queue", "err", derr, "pending", clicks.Stats().Pending)
	}
	cancelDrain()
	stopCtx, cancel := context.WithTimeout(context.Background(), jobsStopGrace)
	defer cancel()
	if serr := worker.Stop(stopCtx); serr != nil {
		log.Error("stop job workers", "err", serr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// listenOn opens a listening address, saying in an error which setting
// named it.
func listenOn(addr, setting string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		hint := "check " + setting + ", e.g. :8080 or 127.0.0.1:8080"
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = "is another server using it? choose another with " + strings.Split(setting, " ")[0]
		}
		return nil, fmt.Errorf("listen on %s: %w (%s)", addr, err, hint)
	}
	return ln, nil
}

// serveBoth serves the main server on ln and, when shortLn is not nil,
// short links on shortLn, until ctx ends or one of them fails, which
// stops the other. Both have stopped when it returns, so that every
// redirect answered has handed its click to the writer.
func serveBoth(ctx context.Context, srv *web.Server, ln, shortLn net.Listener) error {
	if shortLn == nil {
		return srv.Serve(ctx, ln)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	short := make(chan error, 1)
	go func() {
		err := srv.ServeShortLinks(ctx, shortLn)
		stop()
		short <- err
	}()
	err := srv.Serve(ctx, ln)
	stop()
	return errors.Join(err, <-short)
}

// displayAddr names a listening address the way a browser can reach it:
// a wildcard host becomes localhost.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
}

// linkSyncInterval is how often a node looks for link changes made on
// other nodes, so a disabled link stops redirecting everywhere within
// about a second.
const linkSyncInterval = time.Second

// clickDrainGrace is how long the click writer may take to store the
// queue after SIGTERM.
const clickDrainGrace = 30 * time.Second

// channelResults reads, for platform fit, what each channel's tracked
// links brought in the last 30 days: effective clicks, and the inquiries,
// leads and purchases credited to them (last touch). Channels are
// platform keys.
func channelResults(conversions *conversion.Service) func(ctx context.Context, ws int64) ([]platform.ChannelResult, error) {
	return func(ctx context.Context, ws int64) ([]platform.ChannelResult, error) {
		rows, err := conversions.FunnelBy(ctx, ws, conversion.Filter{}, conversion.LastTouch, conversion.ByChannel)
		if err != nil {
			return nil, err
		}
		out := make([]platform.ChannelResult, 0, len(rows))
		for _, r := range rows {
			out = append(out, platform.ChannelResult{Platform: r.Channel, EffectiveClicks: r.EffectiveClicks,
				Conversions: r.Inquiries + r.Leads + r.Purchases})
		}
		return out, nil
	}
}

// linkService is the link service, with campaign slugs for utm_campaign.
func (a *app) linkService() *link.Service {
	return link.NewService(a.db, link.Options{CampaignSlug: func(ctx context.Context, ws, id int64) (string, error) {
		c, err := a.campaigns.Get(ctx, ws, id)
		return c.Slug, err
	}})
}

// linkServices builds the link service, with campaign slugs for
// utm_campaign, and the click writer, with GeoIP when configured.
func (a *app) linkServices(cfg config.Config, log *slog.Logger) (*link.Service, *link.Writer, func(), error) {
	links := a.linkService()
	opts := link.WriterOptions{Logger: log}
	if a.db.Dialect() == store.Postgres {
		opts.Writers = 2
	}
	closeGeo := func() {}
	if cfg.GeoIP != "" {
		g, err := link.OpenGeoIP(cfg.GeoIP)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w (check --geoip / CHORUS_GEOIP)", err)
		}
		opts.Geo = g
		closeGeo = func() { g.Close() }
	}
	return links, link.NewWriter(a.db, opts), closeGeo, nil
}

// cleanup is the hourly housekeeping: expired sessions and revoked tokens,
// then fresh planner statistics.
type cleanup struct {
	accounts *account.Service
	db       *store.DB
}

func (c cleanup) CleanupExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := c.accounts.CleanupExpired(ctx, now)
	if err != nil {
		return n, err
	}
	return n, c.db.Optimize(ctx)
}
