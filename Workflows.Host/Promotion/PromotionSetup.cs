using Workflows.Definitions.Engine;
using Workflows.Host.Runtime;

namespace Workflows.Host.Promotion;

/// <summary>The <c>Promotion</c> configuration section.</summary>
/// <example><code>"Promotion": { "VacancyWait": "P90D" }</code></example>
public sealed class PromotionOptions
{
    public const string Section = "Promotion";

    /// <summary>
    /// How long an approved application may wait for a vacant seat (or for a blocked re-check to clear)
    /// before it ends <c>Expired</c>; an ISO-8601 duration counted from the first time it starts waiting.
    /// </summary>
    public string VacancyWait { get; set; } = "P90D";

    public IsoDuration VacancyWaitDuration => IsoDuration.Parse(VacancyWait);
}

public static class PromotionSetup
{
    public static IHostApplicationBuilder AddPromotion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PromotionOptions>().BindConfiguration(PromotionOptions.Section)
            .Validate(o => IsoDuration.TryParse(o.VacancyWait, out var d) && d.AddTo(DateTimeOffset.UnixEpoch) > DateTimeOffset.UnixEpoch,
                "Promotion:VacancyWait must be a positive ISO-8601 duration such as P90D.")
            .ValidateOnStart();
        builder.Services.AddScoped<PromotionFilingService>();
        builder.Services.AddSingleton<ISignalAudience, SeatVacancyAudience>();
        builder.Services.AddWorkflowActivity<CheckEligibilityActivity>(CheckEligibilityActivity.Name, "eligible", "ineligible");
        builder.Services.AddWorkflowActivity<ReturnRouteActivity>(ReturnRouteActivity.Name, "candidate", "nominator");
        builder.Services.AddWorkflowActivity<CheckVacancyActivity>(CheckVacancyActivity.Name, "vacant", "none");
        builder.Services.AddWorkflowActivity<AppointActivity>(AppointActivity.Name, "appointed", "blocked", "noSeat");
        return builder;
    }
}
