using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Engine;
using Workflows.Definitions.Roster;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Roster;
using Workflows.Host.Runtime;
using Workflows.Definitions.ShiftSwaps;

namespace Workflows.Host.ShiftSwaps;

/// <summary>
/// Files a shift swap or cover for <c>POST /api/shift-swaps</c> and the request page alike. Checked up front so an
/// impossible request never reaches anyone's inbox; the coverage check runs again on the roster of the moment when
/// it is applied.
/// </summary>
public sealed class ShiftSwapFilingService(WorkflowDbContext db, RosterService roster, WorkflowRunner runner, DepartmentClock clock)
{
    /// <summary>Plenty for a sentence or two; a bound so nobody stores a novel in every history row.</summary>
    public const int MaxReasonLength = Definitions.TextLimits.Text;

    public async Task<Filing> FileAsync(Actor actor, CreateShiftSwapRequest body, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        Required(errors, "shiftId", body.ShiftId);
        Required(errors, "counterpartId", body.CounterpartId);
        Required(errors, "reason", body.Reason);
        if (body.CounterpartShiftId is not null && string.IsNullOrWhiteSpace(body.CounterpartShiftId))
        {
            errors["counterpartShiftId"] = ["Leave counterpartShiftId out for a cover, or give the counterpart's shift for a swap."];
        }

        if (body.Reason is { Length: > MaxReasonLength })
        {
            errors["reason"] = [$"The reason is at most {MaxReasonLength} characters."];
        }

        if (errors.Count > 0)
        {
            return new Filing.Invalid(errors);
        }

        var request = new ShiftSwapRequest(actor.Id, body.ShiftId!, body.CounterpartId!, body.CounterpartShiftId);
        var shifts = await db.Set<Shift>().AsNoTracking().Include(s => s.Assignments)
            .Where(s => request.ShiftIds.Contains(s.Id)).ToListAsync(ct);
        var mine = shifts.SingleOrDefault(s => s.Id == request.RequesterShiftId);
        if (mine is null)
        {
            // A body field naming nothing is a broken rule of the request (as for an unknown employee elsewhere), not a missing address.
            return Filing.Refused.Unprocessable($"There is no shift with id '{request.RequesterShiftId}'.");
        }

        if (!mine.ToSlot().IsAssigned(actor.Id))
        {
            // Only the person on a shift may offer it away; asking for someone else is not theirs to do.
            return Filing.Refused.Forbidden("You can only ask to swap or hand over a shift you are on.");
        }

        if (request.CounterpartId == actor.Id)
        {
            return Filing.Refused.Unprocessable("The counterpart must be a colleague, not yourself.");
        }

        var counterpart = await db.Users.AsNoTracking().Where(u => u.Id == request.CounterpartId)
            .Select(u => new { u.Id, u.Rank }).SingleOrDefaultAsync(ct);
        if (counterpart?.Rank is null)
        {
            // Accounts outside the ladder (HR, company leadership) have no shifts and cannot take one.
            return Filing.Refused.Unprocessable($"There is no colleague in the department with id '{request.CounterpartId}'.");
        }

        if (request.CounterpartShiftId is { } otherId)
        {
            if (otherId == request.RequesterShiftId)
            {
                return Filing.Refused.Unprocessable("A swap exchanges two different shifts.");
            }

            var theirs = shifts.SingleOrDefault(s => s.Id == otherId);
            if (theirs is null)
            {
                return Filing.Refused.Unprocessable($"There is no shift with id '{otherId}'.");
            }

            if (!theirs.ToSlot().IsAssigned(request.CounterpartId))
            {
                return Filing.Refused.Unprocessable("The counterpart is not on the shift you ask to swap with.");
            }
        }

        var now = clock.LocalNow.DateTime;
        if (shifts.FirstOrDefault(s => s.ToSlot().HasStarted(now)) is { } started)
        {
            return Filing.Refused.Unprocessable(Glossary.Coverage(new CoverageViolation(CoverageRule.ShiftAlreadyStarted, started.Id, null, started.ToSlot()),
                new Dictionary<string, string>()));
        }

        if (await roster.CheckAsync(request.ToChange(), ct) is CoverageResult.Rejected rejected)
        {
            var (detail, violations) = await Roster.RosterApi.InWordsAsync(db, rejected.Violations, ct);
            return new Filing.Refused(StatusCodes.Status422UnprocessableEntity, detail, "Rule violated",
                new Dictionary<string, object?> { ["violations"] = violations }, rejected.Violations);
        }

        // The request lapses when the first of its shifts starts: every task step is due then.
        var first = shifts.Select(s => s.ToSlot().StartsAt).Min();
        var expiresAt = clock.ToInstant(DateOnly.FromDateTime(first), TimeOnly.FromDateTime(first));
        var variables = WorkflowVariables.Of(
            (ShiftSwapRequest.Variables.Kind, request.Kind),
            (ShiftSwapRequest.Variables.RequesterShiftId, request.RequesterShiftId),
            (ShiftSwapRequest.Variables.CounterpartId, request.CounterpartId),
            (ShiftSwapRequest.Variables.Reason, body.Reason!.Trim()),
            (ShiftSwapRequest.Variables.ExpiresAt, expiresAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture)));
        if (request.CounterpartShiftId is { } counterpartShiftId)
        {
            variables = variables.SetItem(ShiftSwapRequest.Variables.CounterpartShiftId, WorkflowVariables.Value(counterpartShiftId));
        }

        var key = RunningKeys.ShiftSwap(actor.Id, request.RequesterShiftId);
        var (run, duplicate) = await RunningKeys.StartAsync(db, ShiftSwapsApi.Type, key, "A swap or cover request of this shift",
            () => runner.StartAsync(ShiftSwapsApi.Design, actor.Id, actor.Id, "Requester", variables, ct, runningKey: key), ct);
        if (duplicate is not null)
        {
            return duplicate;
        }

        return run switch
        {
            RunResult.Ok ok => new Filing.Filed(ok.Instance.Id),
            RunResult.Refused refused => new Filing.Refused(refused.Status, refused.Detail, "Request refused"),
            _ => throw new InvalidOperationException("Unknown run result."),
        };
    }

    /// <summary>The shifts an employee is on that have not started yet, soonest first: what a swap can offer or ask for.</summary>
    public async Task<IReadOnlyList<ShiftDto>> UpcomingShiftsAsync(string employeeId, CancellationToken ct)
    {
        var today = clock.Today.AddDays(-1);
        var shifts = await db.Set<Shift>().AsNoTracking().Include(s => s.Assignments)
            .Where(s => s.Date >= today && s.Assignments.Any(a => a.EmployeeId == employeeId)).ToListAsync(ct);
        var now = clock.LocalNow.DateTime;
        return [.. shifts.Where(s => !s.ToSlot().HasStarted(now)).OrderBy(s => s.ToSlot().StartsAt).Select(s => RosterApi.ToDto(s, clock))];
    }

    private static void Required(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"The {field} is required."];
        }
    }
}
