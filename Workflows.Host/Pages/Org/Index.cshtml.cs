using Workflows.Definitions;
using Workflows.Host.Auth;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Org;

public sealed record GroupView(GroupDto Group, EmployeeDto? Leader, IReadOnlyList<EmployeeDto> Members);

/// <summary>
/// The org chart: the department's posts (manager, supervisor), each group with its leader and members and
/// their ranks, and the company roles. Open to those who see the full employee list in the API (HR, the
/// department's leaders, company leadership); a member sees only names and ranks there, and gets 403 here.
/// </summary>
public sealed class IndexModel(CurrentActor current, OrgQueries org) : GuardedPageModel(current)
{
    public IReadOnlyList<GroupView> Groups { get; private set; } = [];

    public IReadOnlyList<EmployeeDto> DepartmentLeaders { get; private set; } = [];

    public IReadOnlyList<EmployeeDto> CompanyRoles { get; private set; } = [];

    /// <summary>HR sets anyone's delegation (代理设置) from here.</summary>
    public bool IsHR => Me.IsHR;

    /// <summary>Ranked people whose group is unknown or gone (should be none; shown so nobody is hidden).</summary>
    public IReadOnlyList<EmployeeDto> Ungrouped { get; private set; } = [];

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(OrganizationApi.SeesEverything(actor));

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var people = await org.EmployeesAsync(ct);
        var groups = await org.GroupsAsync(ct);
        Groups = [.. groups.Select(g => new GroupView(g,
            people.FirstOrDefault(p => p.Id == g.LeaderId),
            [.. people.Where(p => p.GroupId == g.Id && p.Id != g.LeaderId).OrderByDescending(p => p.Rank).ThenBy(p => p.UserName, StringComparer.Ordinal)]))];
        DepartmentLeaders = [.. people.Where(p => p.Rank is Rank.Supervisor or Rank.Manager).OrderByDescending(p => p.Rank)];
        CompanyRoles = [.. people.Where(p => p.Rank is null)];
        var groupIds = groups.Select(g => g.Id).ToHashSet(StringComparer.Ordinal);
        Ungrouped = [.. people.Where(p => p.Rank is Rank.Member or Rank.GroupLeader && (p.GroupId is null || !groupIds.Contains(p.GroupId))
            && !groups.Any(g => g.LeaderId == p.Id))];
    }
}
