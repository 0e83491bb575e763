using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Workflows.Definitions;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Runtime;

namespace Workflows.Host.Platform;

/// <summary>
/// Metrics and traces with OpenTelemetry. <c>GET /metrics</c> answers Prometheus text to loopback callers and HR: the
/// business gauges (<see cref="BusinessGauges"/>), one duration per runner step, ASP.NET Core's, EF Core's, Npgsql's and
/// the runtime's meters. With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, metrics and traces (one span per workflow step,
/// ASP.NET Core requests, Npgsql commands) are also sent there over OTLP; without it no span is recorded at all, so a
/// step costs nothing extra.
/// </summary>
public static class Telemetry
{
    public const string SourceName = "Workflows.Runtime";

    public const string MetricsPolicy = "Metrics";

    /// <summary>The runner's spans: one per step, with the instance, step and action as attributes.</summary>
    public static readonly ActivitySource Steps = new(SourceName, SystemApi.Version);

    private static readonly Meter RuntimeMeter = new(SourceName, SystemApi.Version);

    /// <summary>Seconds from a step's start to its commit; bounds from a fast SQLite step (0.2 ms) to a slow activity.</summary>
    private static readonly Histogram<double> StepDuration = RuntimeMeter.CreateHistogram(
        "workflows_step_duration_seconds", unit: null, description: "Duration of one workflow step, from its start to its commit.", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>A step the runner committed: its duration and, when a trace is being recorded, its span.</summary>
    public static void StepCommitted(long startedTimestamp, string type, string instanceId, string? step, string action)
    {
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        StepDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("type", type));
        if (Steps.HasListeners())
        {
            using var span = Steps.StartActivity($"step {step ?? "(start)"}", ActivityKind.Internal, parentContext: Activity.Current?.Context ?? default,
                tags: [new("workflow.instance", instanceId), new("workflow.type", type), new("workflow.step", step), new("workflow.action", action)],
                startTime: DateTimeOffset.UtcNow - elapsed);
        }
    }

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BusinessGauges>();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("workflows", serviceVersion: SystemApi.Version))
            .WithMetrics(m =>
            {
                m.AddMeter(SourceName, BusinessGauges.MeterName, "Microsoft.EntityFrameworkCore")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp)
        {
            otel.WithTracing(t => t.AddSource(SourceName).AddAspNetCoreInstrumentation().AddNpgsql());
            otel.UseOtlpExporter();
        }

        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, p => p.RequireAssertion(ctx =>
            (ctx.Resource is HttpContext http && http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address))
            || ctx.User.IsInRole(CompanyRoles.HR)));
        return builder;
    }

    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        // The gauges are created with the first scrape's host, not at composition: a verb never builds them.
        app.ServiceProvider.GetRequiredService<BusinessGauges>();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(MetricsPolicy);
        return app;
    }
}

/// <summary>
/// The gauges an operator watches: open and overdue tasks and running instances by type, open incidents. They are read
/// from the database when scraped, one snapshot per scrape (a few grouped counts on indexed columns), so every node
/// reports the same numbers. <c>workflows_notification_deliveries_failed</c> is not here yet: there is no deliveries
/// table on this branch.
/// </summary>
public sealed class BusinessGauges
{
    public const string MeterName = "Workflows";

    private static readonly string[] Types = ["promotion", "shift-swap", "penalty-dispute"];

    private readonly IServiceScopeFactory scopes;
    private readonly Lock gate = new();
    private Snapshot? last;
    private long lastTaken;

    public BusinessGauges(IServiceScopeFactory scopes, IMeterFactory meters)
    {
        this.scopes = scopes;
        var meter = meters.Create(MeterName, SystemApi.Version);
        meter.CreateObservableGauge("workflows_tasks_open", () => ByType(Read().TasksOpen), description: "Open tasks, by workflow type.");
        meter.CreateObservableGauge("workflows_tasks_overdue", () => ByType(Read().TasksOverdue), description: "Open tasks past their due time, by workflow type.");
        meter.CreateObservableGauge("workflows_instances_running", () => ByType(Read().InstancesRunning), description: "Running workflow instances, by type.");
        meter.CreateObservableGauge("workflows_incidents_open", () => Read().IncidentsOpen, description: "Failed steps not yet resolved (HR may retry them).");
        meter.CreateObservableGauge("workflows_notification_deliveries_failed", () => Read().DeliveriesFailed,
            description: "E-mails and robot messages that gave up after their attempts (HR may retry them).");
    }

    private sealed record Snapshot(Dictionary<string, int> TasksOpen, Dictionary<string, int> TasksOverdue, Dictionary<string, int> InstancesRunning, int IncidentsOpen, int DeliveriesFailed);

    private static IEnumerable<Measurement<int>> ByType(Dictionary<string, int> counts) =>
        Types.Union(counts.Keys).Select(t => new Measurement<int>(counts.GetValueOrDefault(t), new KeyValuePair<string, object?>("type", t)));

    /// <summary>One snapshot serves the gauges of one scrape (they are observed back to back).</summary>
    private Snapshot Read()
    {
        lock (gate)
        {
            if (last is not null && Environment.TickCount64 - lastTaken < 200)
            {
                return last;
            }

            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
            var now = scope.ServiceProvider.GetRequiredService<DepartmentClock>().Now;
            var open = db.Tasks.AsNoTracking().Where(t => t.Status == TaskState.Open);
            last = new Snapshot(
                open.GroupBy(t => t.Type).Select(g => new { g.Key, Count = g.Count() }).ToDictionary(g => g.Key, g => g.Count),
                open.Where(t => t.DueAt != null && t.DueAt < now).GroupBy(t => t.Type).Select(g => new { g.Key, Count = g.Count() }).ToDictionary(g => g.Key, g => g.Count),
                db.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Running).GroupBy(i => i.Type).Select(g => new { g.Key, Count = g.Count() }).ToDictionary(g => g.Key, g => g.Count),
                db.Incidents.AsNoTracking().Count(i => i.ResolvedAt == null),
                db.Set<Notifications.NotificationDelivery>().AsNoTracking().Count(d => d.Status == Notifications.DeliveryStatus.Failed));
            lastTaken = Environment.TickCount64;
            return last;
        }
    }
}
