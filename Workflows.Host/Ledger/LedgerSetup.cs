using System.ComponentModel.DataAnnotations;
using Hangfire;
using Microsoft.Extensions.Options;
using Workflows.Definitions.Ledger;
using Workflows.Host.Platform;
using Workflows.Definitions.Disputes;

namespace Workflows.Host.Ledger;

/// <summary>The <c>Ledger</c> configuration section.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>When the recurring month close runs, as a cron expression in the department's time zone.
    /// Default: the 1st of each month at 02:00 (docs/domain.md §The ledger and month close).</summary>
    [Required]
    public string MonthCloseCron { get; set; } = "0 2 1 * *";

    /// <summary>Days after a month is closed during which its violations may still be disputed (docs/domain.md §Penalty disputes).</summary>
    [Range(0, 366)]
    public int DisputeDaysAfterClose { get; set; } = DisputeWindow.DefaultDaysAfterClose;

    /// <summary>The largest penalty, reward or reduced amount, in yuan (docs/domain.md §Limits). Default 100,000.</summary>
    [Range(typeof(decimal), "0.01", "1000000000")]
    public decimal MaxAmount { get; set; } = MoneyBounds.DefaultMaximum;

    public MoneyBounds Bounds => new(MaxAmount);

    /// <summary>The month the department started using the system (<c>yyyy-MM</c>), if it started before its first
    /// record; months before the first month cannot be closed (docs/domain.md §Limits).</summary>
    [RegularExpression(@"^\d{4}-(0[1-9]|1[0-2])$")]
    public string? FirstMonth { get; set; }
}

public static class LedgerSetup
{
    public const string MonthCloseJobId = "month-close";

    public static IHostApplicationBuilder AddLedger(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<LedgerService>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<LedgerOptions>>().Value.Bounds);
        builder.Services.AddScoped<MonthCloseJob>();
        builder.Services.AddHostedService<MonthCloseSchedule>();
        return builder;
    }

    /// <summary>
    /// Registers (or updates) the recurring month close at start, through the host's own
    /// <see cref="IRecurringJobManager"/>. A malformed cron expression makes Hangfire throw here, which stops the host:
    /// that is the cron's validation at start.
    /// </summary>
    private sealed class MonthCloseSchedule(IRecurringJobManager jobs, IOptions<LedgerOptions> options, DepartmentClock clock) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            jobs.AddOrUpdate<MonthCloseJob>(MonthCloseJobId, job => job.ClosePreviousMonthAsync(CancellationToken.None),
                options.Value.MonthCloseCron, new RecurringJobOptions { TimeZone = clock.Zone });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The recurring month close: closes the month before today (department time) unless it is closed already.</summary>
public sealed class MonthCloseJob(LedgerService ledger, DepartmentClock clock, ILogger<MonthCloseJob> logger)
{
    /// <summary>Idempotent: a second run, a retry after a failure, or a run racing an HR close changes nothing.</summary>
    public async Task ClosePreviousMonthAsync(CancellationToken ct)
    {
        var month = LedgerMonth.Of(clock.Today).Previous();
        var result = await ledger.CloseMonthAsync(month, LedgerService.SystemActor, ct);
        if (result is MonthCloseResult.Done { Summary: var s })
        {
            logger.LogInformation("Month close {Month}: {Outcome}, {Statements} statements, total {Total}",
                s.Month, s.AlreadyClosed ? "already closed" : "closed", s.Statements, s.Total);
        }
    }
}
