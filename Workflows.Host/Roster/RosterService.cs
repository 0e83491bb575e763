using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Roster;
using Workflows.Host.Data;
using Workflows.Host.Organization;
using Workflows.Host.Platform;

namespace Workflows.Host.Roster;

/// <summary>
/// Loads the part of the roster a change needs, asks the pure rules (<see cref="CoverageCheck"/>,
/// <see cref="AssignmentCheck"/>) and, when they say Ok, writes their answer into the tracked rows.
/// </summary>
/// <remarks>
/// <para><b>It never calls SaveChanges.</b> The shift-swap workflow applies a change inside the same
/// transaction as the instance's progress (docs/architecture.md §Persistence: effects commit with progress, no dual writes), so the caller commits.</para>
/// <para><b>Concurrency.</b> The check reads the roster as it is now, but another change may commit between
/// this read and the caller's commit. Every write therefore also moves two optimistic tokens, so the later
/// of two overlapping commits fails with <see cref="DbUpdateConcurrencyException"/> (a 409 at the API)
/// instead of committing a roster the rules never saw (the tokens are read before the roster, so a change
/// committed in between always fails the guarded UPDATE):</para>
/// <list type="bullet">
/// <item>the Identity <c>ConcurrencyStamp</c> of every person a change involves — two changes that each give
/// one person a different, overlapping shift (the double-booking rule) share no shift row, only the person;</item>
/// <item>the <see cref="Shift.Version"/> of every shift whose people change — any two changes of one shift
/// conflict. Two changes moving the same person off a shift already collide on deleting their assignment row,
/// and a cover or swap keeps head counts, so this token is conservative: it may refuse a pair that would have
/// been fine (the loser re-checks on the new roster), never let through a pair that is not.</item>
/// </list>
/// </remarks>
public sealed class RosterService(WorkflowDbContext db, DepartmentClock clock)
{
    /// <summary>
    /// Checks <paramref name="change"/> against the current roster and department local time and, when it
    /// passes, changes the tracked assignments; the caller's SaveChanges commits them. On
    /// <see cref="CoverageResult.Rejected"/> nothing is changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">A person named by the change does not exist (the
    /// swap request validates both when it starts, and employees are never deleted).</exception>
    public async Task<CoverageResult> ApplyAsync(RosterChange change, CancellationToken cancellationToken)
    {
        var people = await PeopleAsync([change.RequesterId, change.CounterpartId], cancellationToken);
        var (touched, roster) = await LoadAsync(change, tracked: true, cancellationToken);
        var result = CoverageCheck.Evaluate(roster, change, LocalNow);
        if (result is not CoverageResult.Ok ok)
        {
            return result;
        }

        MoveStamps(people);
        foreach (var decided in ok.ChangedShifts)
        {
            var shift = touched.Single(s => s.Id == decided.Id);
            shift.TakeAssigneesOf(decided);
            GuardVersion(shift);
        }

        return result;
    }

    /// <summary>The same check as <see cref="ApplyAsync"/>, read-only (nothing is tracked or changed).</summary>
    public async Task<CoverageResult> CheckAsync(RosterChange change, CancellationToken cancellationToken)
    {
        var (_, roster) = await LoadAsync(change, tracked: false, cancellationToken);
        return CoverageCheck.Evaluate(roster, change, LocalNow);
    }

    /// <summary>
    /// <see cref="CheckAsync"/> for many changes at once, in two queries whatever their number (the inbox shows the
    /// coverage of every swap task): each change is checked on exactly the roster <see cref="CheckAsync"/> would load
    /// for it. Answers come back in the order asked, with the touched shifts as they are now (for display).
    /// </summary>
    public async Task<IReadOnlyList<(CoverageResult Result, IReadOnlyList<ShiftSlot> Touched)>> CheckManyAsync(
        IReadOnlyList<RosterChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return [];
        }

        var touchedIds = changes.SelectMany(TouchedIds).Distinct(StringComparer.Ordinal).ToList();
        var touched = await Shifts(tracked: false).Where(s => touchedIds.Contains(s.Id)).ToListAsync(cancellationToken);
        var others = new List<Shift>();
        if (touched.Count > 0)
        {
            var people = changes.SelectMany(c => new[] { c.RequesterId, c.CounterpartId }).Distinct(StringComparer.Ordinal).ToArray();
            others = await ShiftsOfAsync(people, touched.Min(s => s.Date), touched.Max(s => s.Date), tracked: false, cancellationToken);
        }

        var slots = touched.Concat(others).DistinctBy(s => s.Id).Select(s => s.ToSlot()).ToList();
        var now = LocalNow;
        return [.. changes.Select(change =>
        {
            var ids = TouchedIds(change);
            var mine = slots.Where(s => ids.Contains(s.Id, StringComparer.Ordinal)).ToList();
            if (mine.Count == 0)
            {
                return (CoverageCheck.Evaluate([], change, now), (IReadOnlyList<ShiftSlot>)mine);
            }

            // As ShiftsOfAsync would select for this change alone: the two people's shifts from the day before to the day after.
            var (first, last) = (mine.Min(s => s.Date).AddDays(-1), mine.Max(s => s.Date).AddDays(1));
            var roster = mine.Concat(slots.Where(s => s.Date >= first && s.Date <= last
                    && (s.IsAssigned(change.RequesterId) || s.IsAssigned(change.CounterpartId))))
                .DistinctBy(s => s.Id).ToList();
            return (CoverageCheck.Evaluate(roster, change, now), (IReadOnlyList<ShiftSlot>)[.. ids.Select(id => mine.FirstOrDefault(s => s.Id == id)).OfType<ShiftSlot>()]);
        })];
    }

    private static string[] TouchedIds(RosterChange change) =>
        change is RosterChange.Swap swap ? [change.RequesterShiftId, swap.CounterpartShiftId] : [change.RequesterShiftId];

    /// <summary>
    /// Adds <paramref name="employeeId"/> to the tracked <paramref name="shift"/> when the shift has not
    /// started and <see cref="AssignmentCheck"/> allows it; like <see cref="ApplyAsync"/> it does not save.
    /// </summary>
    public async Task<CoverageResult> AssignAsync(Shift shift, string employeeId, CancellationToken cancellationToken)
    {
        var slot = shift.ToSlot();
        if (slot.HasStarted(LocalNow))
        {
            return new CoverageResult.Rejected([new(CoverageRule.ShiftAlreadyStarted, shift.Id, null, slot)]);
        }

        var people = await PeopleAsync([employeeId], cancellationToken);
        var theirs = await ShiftsOfAsync([employeeId], shift.Date, shift.Date, tracked: false, cancellationToken);
        var result = AssignmentCheck.Evaluate(slot, employeeId, theirs.Select(s => s.ToSlot()));
        if (result is CoverageResult.Ok ok)
        {
            MoveStamps(people);
            shift.TakeAssigneesOf(ok.ChangedShifts.Single());
            GuardVersion(shift);
        }

        return result;
    }

    /// <summary>
    /// Takes someone off a shift that has not started (the arranger's correction; a pending swap on that shift is
    /// re-checked when it is decided and refused then). The person's stamp moves, as for any change of their schedule.
    /// </summary>
    public async Task<CoverageResult> UnassignAsync(Shift shift, string employeeId, CancellationToken cancellationToken)
    {
        var slot = shift.ToSlot();
        if (slot.HasStarted(LocalNow))
        {
            return new CoverageResult.Rejected([new(CoverageRule.ShiftAlreadyStarted, shift.Id, null, slot)]);
        }

        var people = await PeopleAsync([employeeId], cancellationToken);
        var removed = slot.WithoutAssignee(employeeId);
        MoveStamps(people);
        shift.TakeAssigneesOf(removed);
        GuardVersion(shift);
        return new CoverageResult.Ok([removed]);
    }

    private DateTime LocalNow => clock.LocalNow.DateTime;

    /// <summary>The touched shifts, plus every shift of the two people close enough in time to overlap them.</summary>
    private async Task<(List<Shift> Touched, List<ShiftSlot> Roster)> LoadAsync(RosterChange change, bool tracked, CancellationToken ct)
    {
        string[] touchedIds = change is RosterChange.Swap swap ? [change.RequesterShiftId, swap.CounterpartShiftId] : [change.RequesterShiftId];
        var touched = await Shifts(tracked).Where(s => touchedIds.Contains(s.Id)).ToListAsync(ct);
        if (touched.Count == 0)
        {
            // CoverageCheck reports the missing shift(s) by name.
            return (touched, []);
        }

        var theirs = await ShiftsOfAsync([change.RequesterId, change.CounterpartId],
            touched.Min(s => s.Date), touched.Max(s => s.Date), tracked, ct);
        var roster = touched.Concat(theirs).DistinctBy(s => s.Id).Select(s => s.ToSlot()).ToList();
        return (touched, roster);
    }

    /// <summary>
    /// The shifts of <paramref name="employeeIds"/> that could overlap a shift dated between
    /// <paramref name="from"/> and <paramref name="to"/>. A shift lasts at most 24 hours, so only the day
    /// before (an overnight shift running into the morning) and the day after can reach it.
    /// </summary>
    private Task<List<Shift>> ShiftsOfAsync(string[] employeeIds, DateOnly from, DateOnly to, bool tracked, CancellationToken ct)
    {
        var first = from.AddDays(-1);
        var last = to.AddDays(1);
        return Shifts(tracked)
            .Where(s => s.Date >= first && s.Date <= last && s.Assignments.Any(a => employeeIds.Contains(a.EmployeeId)))
            .ToListAsync(ct);
    }

    private IQueryable<Shift> Shifts(bool tracked)
    {
        var shifts = db.Set<Shift>().Include(s => s.Assignments);
        return tracked ? shifts : shifts.AsNoTracking();
    }

    /// <summary>Marks the shift modified so SaveChanges bumps <see cref="Shift.Version"/> with the old value in the WHERE clause.</summary>
    private void GuardVersion(Shift shift) => db.Entry(shift).Property(s => s.Version).IsModified = true;

    /// <summary>
    /// The people a change involves, tracked, with the stamp that guards their schedule. Read <b>before</b> their
    /// shifts: a stamp read after them could already include a change the shift read missed (read committed),
    /// and the guarded UPDATE would then pass against a roster the check never saw.
    /// </summary>
    private async Task<List<Employee>> PeopleAsync(string[] employeeIds, CancellationToken ct)
    {
        var people = await db.Users.Where(u => employeeIds.Contains(u.Id)).ToListAsync(ct);
        var missing = employeeIds.Except(people.Select(p => p.Id), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"No employee with id {string.Join(", ", missing)}: a roster change names only existing people.");
        }

        return people;
    }

    /// <summary>
    /// Moves each person's Identity concurrency stamp, the per-person token of their schedule: an UPDATE
    /// guarded by the stamp read before the check, so of two concurrent changes giving one person shifts
    /// only the first to commit succeeds.
    /// </summary>
    private static void MoveStamps(List<Employee> people)
    {
        foreach (var person in people)
        {
            person.ConcurrencyStamp = Guid.NewGuid().ToString();
        }
    }
}
