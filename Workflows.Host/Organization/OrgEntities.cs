using Microsoft.AspNetCore.Identity;
using Workflows.Definitions;
using Workflows.Host.Data;

namespace Workflows.Host.Organization;

/// <summary>An employee is the Identity user: one row, one id, used everywhere as the actor.</summary>
public sealed class Employee : IdentityUser
{
    public string Name { get; set; } = "";

    /// <summary>Null for accounts outside the ladder (HR, general manager, senior leadership).</summary>
    public Rank? Rank { get; set; }

    public string? GroupId { get; set; }

    /// <summary>The language notifications are written in (zh-CN or en); null is the department's zh-CN.</summary>
    public string? Language { get; set; }

    /// <summary>The employee switched notification e-mails off (the address is Identity's <c>Email</c>).</summary>
    public bool EmailOff { get; set; }

    /// <summary>The employee switched the daily digest off and gets one e-mail per task instead.</summary>
    public bool DigestOff { get; set; }
}

public sealed class Group
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    public string Name { get; set; } = "";
}

/// <summary>A post on the chart. Without a holder it is a vacancy (职位空缺).</summary>
public sealed class Seat : IVersioned
{
    public string Id { get; init; } = Guid.NewGuid().ToString();

    public Rank Rank { get; init; }

    public string? GroupId { get; init; }

    public string? HolderId { get; private set; }

    /// <summary>When the seat last became vacant; orders the "longest-vacant" choice.</summary>
    public DateTimeOffset? VacantSince { get; private set; }

    public long Version { get; set; }

    public static Seat Vacant(Rank rank, string? groupId, DateTimeOffset now) =>
        new() { Rank = rank, GroupId = groupId, VacantSince = now };

    public void Fill(string employeeId)
    {
        if (HolderId is not null)
        {
            throw new InvalidOperationException($"Seat {Id} is already held.");
        }

        HolderId = employeeId;
        VacantSince = null;
    }

    public void Vacate(DateTimeOffset now)
    {
        if (HolderId is null)
        {
            return;
        }

        HolderId = null;
        VacantSince = now;
    }
}
