using Microsoft.EntityFrameworkCore;
using Workflows.Definitions;
using Workflows.Host.Data;

namespace Workflows.Host.Organization;

/// <summary>
/// Loads a person's <see cref="SeatAuthority"/>: the seats they hold now. The one lookup behind the actor of every
/// request (<see cref="Auth.CurrentActor"/>) and the recorder and subject the record rules see.
/// </summary>
public static class SeatHolding
{
    public static async Task<SeatAuthority> AuthorityOfAsync(this WorkflowDbContext db, string employeeId, CancellationToken ct) =>
        new(await db.Seats.AsNoTracking().Where(s => s.HolderId == employeeId)
            .Select(s => new HeldSeat(s.Rank, s.GroupId)).ToListAsync(ct));
}
