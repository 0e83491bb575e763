using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Definitions.Roster;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;

namespace Workflows.Host.Roster;

/// <summary>A shift as docs/api.md §Roster gives it; <c>startsAt</c>/<c>endsAt</c> are extra, the instants with offset (an overnight end is the next day).</summary>
public sealed record ShiftDto(
    string Id,
    string GroupId,
    DateOnly Date,
    string Start,
    string End,
    int MinStaff,
    IReadOnlyList<string> AssigneeIds,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt);

/// <summary>Dates and times arrive as text so a bad one is reported against its field, not as unreadable JSON.</summary>
public sealed record CreateShiftRequest(string? GroupId, string? Date, string? Start, string? End, int? MinStaff);

public sealed record AssignRequest(string? EmployeeId);

public static class RosterApi
{
    private const string TimeFormat = "HH:mm";

    /// <summary>A generous bound that still catches a typo (a group has a handful of people).</summary>
    private const int MaxMinStaff = 100;

    public static IHostApplicationBuilder AddRoster(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RosterService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRosterApi(this IEndpointRouteBuilder app)
    {
        // Reading the roster needs only a signed-in user (the fallback policy): colleagues look up each other's
        // shifts to propose swaps. Writing is decided per group in the handlers.
        var api = app.MapGroup("/api/shifts").WithTags("Roster");
        api.MapGet("/", ListShifts);
        api.MapGet("/{id}", GetShift);
        api.MapPost("/", CreateShift);
        api.MapPost("/{id}/assignments", AddAssignment);
        api.MapDelete("/{id}/assignments/{employeeId}", RemoveAssignment);
        return app;
    }

    /// <summary>
    /// Who arranges a group's roster: its leader (排班 is the leader's duty), the supervisor and the manager
    /// above them (each by holding the seat), and HR, who administers the department's records.
    /// </summary>
    internal static bool MayArrange(Actor actor, string groupId) =>
        actor.IsHR
        || actor.Authority.IsSupervisorOrManager
        || actor.Authority.LeadsGroup(groupId);

    private static bool MayArrangeAnyGroup(Actor actor) =>
        actor.IsHR || actor.Authority.IsDepartmentLeader;

    public static async Task<Results<Ok<ShiftDto[]>, ValidationProblem>> ListShifts(
        string? groupId, DateOnly? from, DateOnly? to, string? employeeId,
        WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        if (DateBounds.Invalid(("from", from), ("to", to)) is { } outOfRange)
        {
            return outOfRange;
        }

        if (from is not null && to is not null && from > to)
        {
            return Problems.Invalid("to", "'to' must not be before 'from'.");
        }

        var query = db.Set<Shift>().AsNoTracking().Include(s => s.Assignments).AsQueryable();
        if (!string.IsNullOrEmpty(groupId))
        {
            query = query.Where(s => s.GroupId == groupId);
        }

        if (from is not null)
        {
            query = query.Where(s => s.Date >= from);
        }

        if (to is not null)
        {
            query = query.Where(s => s.Date <= to);
        }

        if (!string.IsNullOrEmpty(employeeId))
        {
            query = query.Where(s => s.Assignments.Any(a => a.EmployeeId == employeeId));
        }

        var shifts = await query.OrderBy(s => s.Date).ThenBy(s => s.Start).ThenBy(s => s.Id).ToListAsync(ct);
        return TypedResults.Ok(shifts.Select(s => ToDto(s, clock)).ToArray());
    }

    public static async Task<Results<Ok<ShiftDto>, ProblemHttpResult>> GetShift(
        string id, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        var shift = await db.Set<Shift>().AsNoTracking().Include(s => s.Assignments).SingleOrDefaultAsync(s => s.Id == id, ct);
        return shift is null ? Problems.NotFound($"There is no shift with id '{id}'.") : TypedResults.Ok(ToDto(shift, clock));
    }

    public static async Task<Results<Created<ShiftDto>, ValidationProblem, ProblemHttpResult>> CreateShift(
        CreateShiftRequest request, CurrentActor current, WorkflowDbContext db, DepartmentClock clock, CancellationToken ct)
    {
        var actor = await current.GetAsync(ct);
        if (!MayArrangeAnyGroup(actor))
        {
            return Problems.Forbidden("Shifts are arranged by the group's leader, the supervisor, the manager or HR.");
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.GroupId))
        {
            errors["groupId"] = ["The groupId is required."];
        }

        DateOnly date = default;
        if (string.IsNullOrWhiteSpace(request.Date))
        {
            errors["date"] = ["The date is required (yyyy-MM-dd)."];
        }
        else if (!DateOnly.TryParseExact(request.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            errors["date"] = [$"'{request.Date}' is not a date in the form yyyy-MM-dd."];
        }

        var start = ParseTime(errors, "start", request.Start);
        var end = ParseTime(errors, "end", request.End);
        if (request.MinStaff is null)
        {
            errors["minStaff"] = ["The minStaff is required (0 or more)."];
        }
        else if (request.MinStaff is < 0 or > MaxMinStaff)
        {
            errors["minStaff"] = [$"The minStaff must be between 0 and {MaxMinStaff}."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (!await db.Groups.AnyAsync(g => g.Id == request.GroupId, ct))
        {
            return Problems.Unprocessable($"There is no group with id '{request.GroupId}'.");
        }

        if (!MayArrange(actor, request.GroupId!))
        {
            return Problems.Forbidden("A group leader arranges the shifts of their own group only.");
        }

        var shift = Shift.Create(request.GroupId!, date, start, end, request.MinStaff!.Value, actor.Id, clock.Now);
        if (date > clock.Today.AddYears(1))
        {
            // Decision: a roster is planned at most a year ahead; a date beyond is a typo (9999-12-31), not a plan.
            return Problems.Unprocessable($"The shift date {date:yyyy-MM-dd} is more than a year ahead (today is {clock.Today:yyyy-MM-dd}).");
        }

        if (shift.ToSlot().HasStarted(clock.LocalNow.DateTime))
        {
            // Nothing changes on a started shift (docs/domain.md §Shift swaps and coverage); a roster is planned ahead, not back-filled.
            return Problems.Unprocessable($"The shift would start at {date:yyyy-MM-dd} {start:HH\\:mm}, which is not in the future.");
        }

        db.Add(shift);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/shifts/{shift.Id}", ToDto(shift, clock));
    }

    public static async Task<Results<Created<ShiftDto>, ValidationProblem, ProblemHttpResult>> AddAssignment(
        string id, AssignRequest request, CurrentActor current, WorkflowDbContext db, RosterService roster,
        DepartmentClock clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.EmployeeId))
        {
            return Problems.Invalid("employeeId", "The employeeId is required.");
        }

        var shift = await db.Set<Shift>().Include(s => s.Assignments).SingleOrDefaultAsync(s => s.Id == id, ct);
        if (shift is null)
        {
            return Problems.NotFound($"There is no shift with id '{id}'.");
        }

        var actor = await current.GetAsync(ct);
        if (!MayArrange(actor, shift.GroupId))
        {
            return Problems.Forbidden("People are put on a group's shifts by its leader, the supervisor, the manager or HR.");
        }

        var employee = await db.Users.AsNoTracking().Where(u => u.Id == request.EmployeeId)
            .Select(u => new { u.Id, u.Rank }).SingleOrDefaultAsync(ct);
        if (employee is null)
        {
            return Problems.Unprocessable($"There is no employee with id '{request.EmployeeId}'.");
        }

        // Shifts are staffed from the department's ladder; HR and company leadership accounts have no shifts.
        // Someone of another group may be put on the shift: covering across groups is what swaps do too.
        if (employee.Rank is null)
        {
            return Problems.Unprocessable("Only people of the department (members, leaders, supervisor, manager) are put on shifts.");
        }

        var result = await roster.AssignAsync(shift, employee.Id, ct);
        if (result is CoverageResult.Rejected rejected)
        {
            return rejected.Violations.Any(v => v.Rule == CoverageRule.AlreadyOnShift)
                ? Problems.Conflict($"The employee is already on shift {shift.Id}.")
                : await RefusedAsync(db, rejected, ct);
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e is not DbUpdateConcurrencyException)
        {
            // The same person added twice at once: the (shift, employee) key refuses the second insert.
            // Version conflicts are answered as 409 by the shared exception handler.
            return Problems.Conflict("The shift was changed at the same time. Reload it and try again.");
        }

        return TypedResults.Created($"/api/shifts/{shift.Id}", ToDto(shift, clock));
    }

    /// <summary>
    /// Takes someone off a shift (the same arrangers as putting them on): 200 with the shift; 404 for an unknown shift or
    /// someone not on it; 422 once the shift has started. Falling below the minimum is allowed — the roster marks it.
    /// </summary>
    public static async Task<Results<Ok<ShiftDto>, ProblemHttpResult>> RemoveAssignment(
        string id, string employeeId, CurrentActor current, WorkflowDbContext db, RosterService roster, DepartmentClock clock, CancellationToken ct)
    {
        var shift = await db.Set<Shift>().Include(s => s.Assignments).SingleOrDefaultAsync(s => s.Id == id, ct);
        if (shift is null)
        {
            return Problems.NotFound($"There is no shift with id '{id}'.");
        }

        var actor = await current.GetAsync(ct);
        if (!MayArrange(actor, shift.GroupId))
        {
            return Problems.Forbidden("People are taken off a group's shifts by its leader, the supervisor, the manager or HR.");
        }

        if (shift.Assignments.All(a => !string.Equals(a.EmployeeId, employeeId, StringComparison.Ordinal)))
        {
            return Problems.NotFound($"'{employeeId}' is not on shift {shift.Id}.");
        }

        if (await roster.UnassignAsync(shift, employeeId, ct) is CoverageResult.Rejected rejected)
        {
            return await RefusedAsync(db, rejected, ct);
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(shift, clock));
    }

    /// <summary>A 422 whose detail lists every broken rule in words, with the rules also machine-readable.</summary>
    internal static async Task<ProblemHttpResult> RefusedAsync(WorkflowDbContext db, CoverageResult.Rejected rejected, CancellationToken ct)
    {
        var (detail, violations) = await InWordsAsync(db, rejected.Violations, ct);
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Rule violated",
            extensions: new Dictionary<string, object?> { ["violations"] = violations });
    }

    /// <summary>
    /// The broken roster rules in the reader's language (names for ids, dates and times for shifts), and the
    /// machine-readable list the API answers with: <c>rule</c>, <c>shiftId</c>, <c>employeeId</c> and the <c>message</c> in words.
    /// </summary>
    internal static async Task<(string Detail, object[] Violations)> InWordsAsync(WorkflowDbContext db, IReadOnlyList<CoverageViolation> violations, CancellationToken ct)
    {
        var names = await Pages.EmployeeNames.LoadAsync(db, violations.Select(v => v.EmployeeId), ct);
        return (Glossary.Coverage(violations, names),
            [.. violations.Select(v => new { rule = v.Rule.ToString(), v.ShiftId, v.EmployeeId, message = Glossary.Coverage(v, names) })]);
    }

    internal static ShiftDto ToDto(Shift shift, DepartmentClock clock)
    {
        var slot = shift.ToSlot();
        return new ShiftDto(
            shift.Id, shift.GroupId, shift.Date,
            shift.Start.ToString(TimeFormat, CultureInfo.InvariantCulture),
            shift.End.ToString(TimeFormat, CultureInfo.InvariantCulture),
            shift.MinStaff, slot.AssigneeIds,
            clock.ToInstant(DateOnly.FromDateTime(slot.StartsAt), TimeOnly.FromDateTime(slot.StartsAt)),
            clock.ToInstant(DateOnly.FromDateTime(slot.EndsAt), TimeOnly.FromDateTime(slot.EndsAt)));
    }

    private static TimeOnly ParseTime(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} time is required (HH:mm)."];
            return default;
        }

        if (!TimeOnly.TryParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            errors[field] = [$"'{value}' is not a time in the form HH:mm."];
        }

        return time;
    }
}
