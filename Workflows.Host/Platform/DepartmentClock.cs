using System.ComponentModel.DataAnnotations;

namespace Workflows.Host.Platform;

public sealed class DepartmentOptions
{
    public const string Section = "Department";

    /// <summary>IANA time zone of the department; dates in the domain are calendar dates here.</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";
}

/// <summary>
/// The department's notion of "now" and "today". Everything reads time through this, so tests
/// move it with a fake <see cref="TimeProvider"/>.
/// </summary>
public sealed class DepartmentClock(TimeProvider time, TimeZoneInfo zone)
{
    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset Now => time.GetUtcNow();

    public DateTimeOffset LocalNow => TimeZoneInfo.ConvertTime(time.GetUtcNow(), Zone);

    public DateOnly Today => DateOnly.FromDateTime(LocalNow.DateTime);

    /// <summary>The instant a local wall-clock time in the department happens.</summary>
    public DateTimeOffset ToInstant(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public static IHostApplicationBuilder AddDepartmentClock(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DepartmentOptions>()
            .BindConfiguration(DepartmentOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Department:TimeZone is not a known time zone.")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp =>
        {
            var zoneId = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DepartmentOptions>>().Value.TimeZone;
            return new DepartmentClock(sp.GetRequiredService<TimeProvider>(), TimeZoneInfo.FindSystemTimeZoneById(zoneId));
        });
        return builder;
    }
}
