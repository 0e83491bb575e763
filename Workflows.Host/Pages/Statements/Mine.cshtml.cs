using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Workflows.Definitions.Disputes;
using Workflows.Definitions.Ledger;
using Workflows.Definitions.Violations;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Disputes;
using Workflows.Host.Ledger;
using Workflows.Host.Violations;

namespace Workflows.Host.Pages.Statements;

/// <summary>Whether a penalty line may be disputed now, and if not why (the dispute window's own words).</summary>
public sealed record LineDispute(Violation Violation, bool Open, string? Refusal, DateOnly? OpenUntil);

/// <summary>
/// My 乐捐 statements, newest month first (the ledger's <c>GET /api/statements</c> for myself), with "dispute" on each
/// penalty line the dispute window still admits.
/// </summary>
public sealed class MineModel(CurrentActor current, LedgerService ledger, DisputeFilingService disputes, WorkflowDbContext db, RuleCatalog catalog)
    : PageModel
{
    public IReadOnlyList<StatementView> Statements { get; private set; } = [];

    public IReadOnlyDictionary<string, LineDispute> Disputes { get; private set; } = new Dictionary<string, LineDispute>();

    /// <summary>Why the statements cannot be shown: stored amounts whose sums overflow (written before the bounds).</summary>
    public string? Problem { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var actor = await current.GetAsync(ct);
        try
        {
            Statements = [.. (await ledger.StatementsAsync([actor.Id], null, null, ct)).OrderByDescending(s => s.Statement.Month)];
        }
        catch (AmountOverflowException overflow)
        {
            Problem = await EmployeeNames.OverflowInWordsAsync(db, overflow, HttpContext.RequestAborted);
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return;
        }

        var violations = await db.Set<Violation>().AsNoTracking().Where(v => v.EmployeeId == actor.Id).ToListAsync(ct);
        var answers = new Dictionary<string, LineDispute>(StringComparer.Ordinal);
        foreach (var v in violations)
        {
            answers[v.Id] = await disputes.AdmissionAsync(v, ct) switch
            {
                DisputeAdmission.Open open => new LineDispute(v, true, null, open.OpenUntil),
                DisputeAdmission.Refused refused => new LineDispute(v, false, Platform.Glossary.Dispute(refused), null),
                _ => throw new InvalidOperationException("Unknown dispute admission."),
            };
        }

        Disputes = answers;
    }

    public string RuleTitle(string code) => RuleText.Title(catalog, code);
}
