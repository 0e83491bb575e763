using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Organization;

/// <param name="EmailAddress">Where notification e-mails go; shown to the employee themself (<c>GET /api/me</c>) and to HR.</param>
public sealed record EmployeeDto(string Id, string UserName, string Name, Rank? Rank, string? GroupId, IReadOnlyList<string> Roles, string? EmailAddress = null);

/// <summary>What anyone in the department may see of a colleague: the name and rank, nothing more.</summary>
public sealed record EmployeeSummaryDto(string Id, string Name, Rank? Rank);

public sealed record GroupDto(string Id, string Name, string? LeaderId);

public sealed record SeatDto(string Id, Rank Rank, string? GroupId, string? HolderId, DateTimeOffset? VacantSince);

public sealed record CreateEmployeeRequest(string? UserName, string? Name, string? Password, Rank? Rank, string? GroupId, string[]? Roles, string? EmailAddress = null);

public sealed record CreateGroupRequest(string? Name);

public sealed record CreateSeatRequest(Rank? Rank, string? GroupId);

/// <param name="HolderRank">The former holder's new rank, set in the vacate's transaction; without it the label stays.</param>
public sealed record VacateSeatRequest(Rank? HolderRank);

public static class OrganizationApi
{
    public static IEndpointRouteBuilder MapOrganizationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Organization");
        api.MapGet("/employees", ListEmployees);
        api.MapGet("/employees/{id}", GetEmployee);
        api.MapPost("/employees", CreateEmployee).RequireAuthorization(Policies.HR);
        api.MapGet("/groups", ListGroups);
        api.MapPost("/groups", CreateGroup).RequireAuthorization(Policies.HR);
        api.MapGet("/seats", ListSeats);
        api.MapPost("/seats", CreateSeat).RequireAuthorization(Policies.HR);
        api.MapPost("/seats/{id}/vacate", VacateSeat).RequireAuthorization(Policies.HR);
        return app;
    }

    internal static bool SeesEverything(Actor actor) =>
        actor.IsHR || actor.IsDepartmentLeader || actor.HasRole(CompanyRoles.GeneralManager) || actor.HasRole(CompanyRoles.SeniorLeadership);

    public static async Task<Ok<object[]>> ListEmployees(CurrentActor current, OrgQueries org, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var all = await org.EmployeesAsync(ct);
        object[] shown = SeesEverything(actor)
            ? [.. all]
            : [.. all.Select(e => new EmployeeSummaryDto(e.Id, e.Name, e.Rank))];
        return TypedResults.Ok(shown);
    }

    public static async Task<Results<Ok<EmployeeDto>, Ok<EmployeeSummaryDto>, ProblemHttpResult>> GetEmployee(
        string id, CurrentActor current, OrgQueries org, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        var employee = await org.EmployeeAsync(id, ct);
        if (employee is null)
        {
            return Problems.NotFound($"There is no employee with id '{id}'.");
        }

        return SeesEverything(actor) || actor.Id == id
            ? TypedResults.Ok(employee)
            : TypedResults.Ok(new EmployeeSummaryDto(employee.Id, employee.Name, employee.Rank));
    }

    public static async Task<Results<Created<EmployeeDto>, ValidationProblem, ProblemHttpResult>> CreateEmployee(
        CreateEmployeeRequest request, WorkflowDbContext db, UserManager<Employee> users, DepartmentClock clock,
        OrgQueries org, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        Require(errors, "userName", request.UserName);
        Require(errors, "name", request.Name);
        Require(errors, "password", request.Password);
        if (request.Name is { Length: > TextLimits.DisplayName })
        {
            errors["name"] = [Platform.Glossary.TooLong(TextLimits.DisplayName)];
        }

        if (!string.IsNullOrEmpty(request.UserName) && TextLimits.UserNameProblem(request.UserName) is { } badName)
        {
            errors["userName"] = [Glossary.UserName(badName)];
        }

        var roles = (request.Roles ?? []).Distinct(StringComparer.Ordinal).ToArray();
        var unknownRoles = roles.Where(r => !CompanyRoles.IsKnown(r)).ToArray();
        if (unknownRoles.Length > 0)
        {
            errors["roles"] = [$"Unknown role(s): {string.Join(", ", unknownRoles)}. Known: {string.Join(", ", CompanyRoles.All)}."];
        }

        if (request.Rank is Rank.Member or Rank.GroupLeader && string.IsNullOrWhiteSpace(request.GroupId))
        {
            errors["groupId"] = ["A member or group leader belongs to a group: groupId is required."];
        }

        if (request.Rank is null && roles.Length == 0)
        {
            errors["rank"] = ["Give a rank on the ladder, or at least one company role for an account outside it."];
        }

        if (Notifications.NotificationsApi.Validate(new Notifications.NotificationSettings(null, null, request.EmailAddress)) is { } badAddress)
        {
            foreach (var (field, messages) in badAddress.ProblemDetails.Errors)
            {
                errors[field] = messages;
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (request.GroupId is not null && !await db.Groups.AnyAsync(g => g.Id == request.GroupId, ct))
        {
            return Problems.Unprocessable($"There is no group with id '{request.GroupId}'.");
        }

        if (await users.FindByNameAsync(request.UserName!) is not null)
        {
            return Problems.Conflict($"The user name '{request.UserName}' is already taken.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var employee = new Employee
        {
            UserName = request.UserName!.Trim(),
            Name = request.Name!.Trim(),
            Rank = request.Rank,
            GroupId = request.Rank is Rank.Member or Rank.GroupLeader ? request.GroupId : null,
            Email = string.IsNullOrWhiteSpace(request.EmailAddress) ? null : request.EmailAddress.Trim(),
        };

        // The seat is taken before the account is written, so a taken seat writes nothing.
        Seat? seat = null;
        if (request.Rank is Rank.GroupLeader or Rank.Supervisor or Rank.Manager)
        {
            seat = await db.Seats
                .Where(s => s.Rank == request.Rank && s.HolderId == null && (request.Rank != Rank.GroupLeader || s.GroupId == request.GroupId))
                .OrderBy(s => s.VacantSince)
                .FirstOrDefaultAsync(ct);
            if (seat is null)
            {
                return Problems.Conflict(request.Rank == Rank.GroupLeader
                    ? "This group's leader seat is taken. Vacate it first, or create the employee with another rank."
                    : $"There is no vacant {request.Rank} seat. Open one first (POST /api/seats).");
            }
        }

        var created = await users.CreateAsync(employee, request.Password!);
        if (!created.Succeeded)
        {
            var identityErrors = created.Errors
                .GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("UserName", StringComparison.Ordinal) ? "userName" : "request")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
            if (created.Errors.Any(e => e.Code == "DuplicateUserName"))
            {
                return Problems.Conflict($"The user name '{request.UserName}' is already taken.");
            }

            return Problems.Invalid(identityErrors);
        }

        foreach (var role in roles)
        {
            var added = await users.AddToRoleAsync(employee, role);
            if (!added.Succeeded)
            {
                return Problems.Invalid("roles", string.Join(" ", added.Errors.Select(e => e.Description)));
            }
        }

        if (seat is not null)
        {
            seat.Fill(employee.Id);
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        var dto = await org.EmployeeAsync(employee.Id, ct);
        return TypedResults.Created($"/api/employees/{employee.Id}", dto is null ? null : dto with { EmailAddress = employee.Email });
    }

    public static async Task<Ok<GroupDto[]>> ListGroups(OrgQueries org, CancellationToken ct) =>
        TypedResults.Ok(await org.GroupsAsync(ct));

    public static async Task<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>> CreateGroup(
        CreateGroupRequest request, WorkflowDbContext db, DepartmentClock clock, SignalDispatcher signals, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return Problems.Invalid("name", "The group name is required.");
        }

        var name = request.Name.Trim();
        if (name.Length > TextLimits.DisplayName)
        {
            return Problems.Invalid("name", Platform.Glossary.TooLong(TextLimits.DisplayName));
        }

        if (await db.Groups.AnyAsync(g => g.Name == name, ct))
        {
            return Problems.Conflict($"A group named '{name}' already exists.");
        }

        var group = new Group { Name = name };
        db.Groups.Add(group);
        var seat = Seat.Vacant(Rank.GroupLeader, group.Id, clock.Now);
        db.Seats.Add(seat);
        RaiseVacancy(db, clock, seat);
        await db.SaveChangesAsync(ct);
        await signals.DispatchPendingAsync(ct);
        return TypedResults.Created($"/api/groups/{group.Id}", new GroupDto(group.Id, group.Name, null));
    }

    public static async Task<Ok<SeatDto[]>> ListSeats(OrgQueries org, Rank? rank, bool? vacant, CancellationToken ct) =>
        TypedResults.Ok(await org.SeatsAsync(rank, vacant, ct));

    public static async Task<Results<Created<SeatDto>, ValidationProblem, ProblemHttpResult>> CreateSeat(
        CreateSeatRequest request, WorkflowDbContext db, DepartmentClock clock, SignalDispatcher signals, CancellationToken ct)
    {
        if (request.Rank is null)
        {
            return Problems.Invalid("rank", "The seat's rank is required.");
        }

        switch (request.Rank)
        {
            case Rank.Member:
                return Problems.Unprocessable("Members do not hold seats; only GroupLeader, Supervisor and Manager are seats.");
            case Rank.GroupLeader when string.IsNullOrWhiteSpace(request.GroupId):
                return Problems.Invalid("groupId", "A group leader seat belongs to a group: groupId is required.");
            case Rank.GroupLeader:
                if (!await db.Groups.AnyAsync(g => g.Id == request.GroupId, ct))
                {
                    return Problems.Unprocessable($"There is no group with id '{request.GroupId}'.");
                }

                if (await db.Seats.AnyAsync(s => s.Rank == Rank.GroupLeader && s.GroupId == request.GroupId, ct))
                {
                    return Problems.Conflict("Each group has exactly one leader seat, and this group has it already.");
                }

                break;
            case Rank.Manager when await db.Seats.AnyAsync(s => s.Rank == Rank.Manager, ct):
                return Problems.Conflict("The department has one manager seat already.");
            case Rank.Supervisor or Rank.Manager when request.GroupId is not null:
                return Problems.Unprocessable($"A {request.Rank} seat belongs to the department, not to a group: leave groupId out.");
            default:
                break;
        }

        var seat = Seat.Vacant(request.Rank.Value, request.Rank == Rank.GroupLeader ? request.GroupId : null, clock.Now);
        db.Seats.Add(seat);
        RaiseVacancy(db, clock, seat);
        await db.SaveChangesAsync(ct);
        await signals.DispatchPendingAsync(ct);
        return TypedResults.Created($"/api/seats/{seat.Id}", ToDto(seat));
    }

    /// <summary>
    /// Vacates a seat. Its former holder's authority ends at once (docs/domain.md §People, ranks and seats): in the same transaction their open
    /// tasks of the seat's role are resolved again (<see cref="FormerHolderTasks"/>) and, with <c>holderRank</c>, their
    /// rank label changes. A concurrent step on one of those tasks makes one of the two a 409.
    /// </summary>
    public static async Task<Results<Ok<SeatDto>, ProblemHttpResult>> VacateSeat(
        string id, [Microsoft.AspNetCore.Mvc.FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] VacateSeatRequest? request,
        WorkflowDbContext db, DepartmentClock clock, SignalDispatcher signals, FormerHolderTasks formerHolder, CurrentActor current, CancellationToken ct)
    {
        var seat = await db.Seats.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (seat is null)
        {
            return Problems.NotFound($"There is no seat with id '{id}'.");
        }

        if (seat.HolderId is not { } holderId)
        {
            return TypedResults.Ok(ToDto(seat)); // already vacant: nothing changed, nobody to wake
        }

        var actor = await current.GetAsync(ct);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            seat.Vacate(clock.Now);
            if (request?.HolderRank is { } newRank)
            {
                var holder = await db.Users.SingleAsync(u => u.Id == holderId, ct);
                holder.Rank = newRank;
                // Supervisor and manager seats belong to the department, not to a group; a member or leader keeps theirs.
                holder.GroupId = newRank is Rank.Supervisor or Rank.Manager ? null : holder.GroupId;
            }

            RaiseVacancy(db, clock, seat);
            await db.SaveChangesAsync(ct); // the resolution below reads the seats as they are now
            await formerHolder.ResolveAgainAsync(holderId, seat.Rank, actor.Id, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsConflict(ex))
        {
            return Problems.Conflict("The seat or one of its holder's tasks changed at the same time; nothing was applied. Reload and try again.");
        }

        await signals.DispatchPendingAsync(ct);
        return TypedResults.Ok(ToDto(seat));
    }

    /// <summary>
    /// A vacancy wakes the promotions waiting for a seat of its rank (docs/domain.md §Appointment, vacancies and waiting; <c>SeatVacancyAudience</c>): the
    /// signal row commits with the seat change and is delivered right after; the sweeper delivers it if this process
    /// dies in between.
    /// </summary>
    internal static void RaiseVacancy(WorkflowDbContext db, DepartmentClock clock, Seat seat) =>
        SignalDispatcher.Raise(db, clock, SeatVacated, new { seatId = seat.Id, rank = seat.Rank.ToString(), groupId = seat.GroupId });

    /// <summary>The signal a vacancy raises; its data: <c>seatId</c>, <c>rank</c>, <c>groupId</c> (a leader seat's group).</summary>
    public const string SeatVacated = "seat.vacated";

    internal static SeatDto ToDto(Seat s) => new(s.Id, s.Rank, s.GroupId, s.HolderId, s.VacantSince);

    private static void Require(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The field {field} is required."];
        }
    }
}
