using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Host.Auth;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Host.Reports;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages.History;

public sealed record HistoryRow(WorkflowInstance Instance, string SubjectName, string StarterName, int Entries);

/// <summary>
/// HR's search across every workflow instance (type, status, subject, anyone who acted in its history,
/// start date range), newest first and paged, and the CSV export of the same search with one row per
/// history entry: the whole trace of each matched instance. HR only, like "HR sees every instance" in docs/api.md §Workflow instances.
/// </summary>
public sealed class IndexModel(CurrentActor current, WorkflowDbContext db, DepartmentClock clock, PublishedDesigns designs, IStringLocalizer<SharedResource> localizer,
    Definitions.Violations.RuleCatalog catalog)
    : GuardedPageModel(current)
{
    public const int PageSize = 25;

    /// <summary>Instances read per round trip while exporting; the file is streamed, never held whole.</summary>
    private const int ExportBatch = 200;

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    /// <summary>An application's reference number (审批编号), e.g. SQ-000042.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Reference { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    /// <summary>A user name (exact) or part of a name.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    /// <summary>Anyone with an entry in the history: a user name (exact) or part of a name.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    public IReadOnlyList<HistoryRow> Rows { get; private set; } = [];

    public int Total { get; private set; }

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public IReadOnlyList<string> Types { get; private set; } = [];

    public IReadOnlyList<(string UserName, string Name)> People { get; private set; } = [];

    public IReadOnlyList<string> Problems { get; private set; } = [];

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        await LoadChoicesAsync(ct);
        var search = await SearchAsync(ct);
        if (search is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        PageNumber = Math.Max(1, PageNumber);
        var found = await search.FindAsync(db, db.Instances.AsNoTracking(), clock, everyInstance: true, PageNumber, PageSize, ct);
        Total = found.Total;
        if (PageNumber > Pages)
        {
            // Past the last page (an old link): the last page.
            PageNumber = Pages;
            found = await search.FindAsync(db, db.Instances.AsNoTracking(), clock, everyInstance: true, PageNumber, PageSize, ct);
        }

        var instances = found.Rows;
        var names = await EmployeeNames.LoadAsync(db, instances.Select(i => i.SubjectId).Concat(instances.Select(i => i.StartedBy)), ct);
        Rows = [.. instances.Select(i => new HistoryRow(i, names.NameOf(i.SubjectId), names.NameOf(i.StartedBy), i.HistoryCount))];
        return Page();
    }

    /// <summary>
    /// GET /History/Export?…the same query…[&amp;format=xlsx]: a CSV file (or an .xlsx workbook), one row per history entry,
    /// newest instance first, every entry said as the application page says it (<see cref="HistoryWords"/>). Written with
    /// the reports' sheet writer, batch by batch, so the file is streamed, never held whole.
    /// </summary>
    public async Task<IActionResult> OnGetExportAsync(string? format)
    {
        var ct = HttpContext.RequestAborted;
        var search = await SearchAsync(ct);
        if (search is null || format is not (null or "" or "csv" or "xlsx"))
        {
            if (search is not null)
            {
                Problems = [localizer["W19_History.ExportFormat", format ?? ""]];
            }

            await LoadChoicesAsync(ct);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var ids = await InstanceSearch.Newest(search.Apply(db.Instances.AsNoTracking(), db, clock)).Select(i => i.Id).ToListAsync(ct);
        var xlsx = format == "xlsx";
        var fileName = string.Create(CultureInfo.InvariantCulture, $"history-{clock.LocalNow:yyyyMMdd-HHmm}.{(xlsx ? "xlsx" : "csv")}");
        Response.ContentType = xlsx ? Sheet.XlsxContentType : "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        var columns = ExportColumns(localizer);
        if (xlsx)
        {
            await Sheet.WriteXlsxAsync(Response.Body, localizer["History search"], columns, ExportRowsAsync(ids, ct), ct);
        }
        else
        {
            await Sheet.WriteCsvAsync(Response.Body, columns, ExportRowsAsync(ids, ct), ct);
        }

        return new EmptyResult();
    }

    private async IAsyncEnumerable<object?[]> ExportRowsAsync(List<string> ids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var batch in ids.Chunk(ExportBatch))
        {
            var instances = await db.Instances.AsNoTracking().Where(i => batch.Contains(i.Id)).ToDictionaryAsync(i => i.Id, StringComparer.Ordinal, ct);
            var history = await db.History.AsNoTracking().Where(h => batch.Contains(h.InstanceId)).ToListAsync(ct);
            var words = await HistoryWords.LoadAsync(db, clock, localizer, catalog, history, [], instances.Values.Select(i => i.SubjectId), ct);
            var entries = history.ToLookup(h => h.InstanceId);
            foreach (var id in batch)
            {
                var i = instances[id];
                var design = designs.Catalog.Get(i.DesignName, i.DesignVersion);
                foreach (var h in entries[id].OrderBy(h => h.Seq))
                {
                    yield return [
                        ReferenceNumbers.Of(i), localizer.Term("Type", i.Type), localizer.Term("Status", i.Status.ToString()),
                        i.Outcome is null ? null : localizer.Term("Outcome", i.Outcome), words.Name(i.SubjectId), LocalTime(i.StartedAt),
                        h.Seq, LocalTime(h.At), words.What(design, h), words.Who(h), words.Role(h.ActingRole),
                        words.Action(h), h.Comment, words.Line(words.Details(h))];
                }
            }
        }
    }

    private DateTime LocalTime(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, clock.Zone).DateTime;

    /// <summary>The export's columns: each once, in the page's language.</summary>
    public static SheetColumn[] ExportColumns(IStringLocalizer localizer) =>
    [
        new(localizer["W19_Reference"], CellKind.Text, 12), new(localizer["Type"], CellKind.Text, 12),
        new(localizer["Status"], CellKind.Text, 10), new(localizer["Outcome"], CellKind.Text, 10),
        new(localizer["Applicant"], CellKind.Text, 12), new(localizer["Started at"], CellKind.DateTime, 17),
        new("#", CellKind.Integer, 5), new(localizer["When"], CellKind.DateTime, 17), new(localizer["What"], CellKind.Text, 28),
        new(localizer["Who"], CellKind.Text, 12), new(localizer["Role"], CellKind.Text, 10), new(localizer["Action"], CellKind.Text, 10),
        new(localizer["Comment"], CellKind.Text, 30), new(localizer["Details"], CellKind.Text, 50),
    ];

    /// <summary>The query string of this search (without the page), for the export link and the pager.</summary>
    public string Query(int? page = null, string? format = null)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value.Trim()));
            }
        }

        Add("reference", Reference);
        Add("type", Type);
        Add("status", Status);
        Add("subject", Subject);
        Add("actor", Actor);
        Add("from", From);
        Add("to", To);
        Add("format", format);
        if (page is > 1)
        {
            Add("p", page.Value.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    public string Local(DateTimeOffset at) => clock.Local(at);

    /// <summary>The step an instance stands on, by its name in the reader's language.</summary>
    public string StepName(WorkflowInstance instance) =>
        localizer.StepName(designs.Catalog.Get(instance.DesignName, instance.DesignVersion), instance.CurrentStep);

    private async Task LoadChoicesAsync(CancellationToken ct)
    {
        Types = await db.DesignVersions.AsNoTracking().Select(d => d.Type).Distinct().OrderBy(t => t).ToListAsync(ct);
        People = [.. (await db.Users.AsNoTracking().OrderBy(u => u.UserName).Select(u => new { u.UserName, u.Name }).ToListAsync(ct))
            .Select(u => (u.UserName ?? "", u.Name))];
    }

    /// <summary>The search the form asks for, or null (with <see cref="Problems"/> set) when a field cannot be read.</summary>
    private async Task<InstanceSearch?> SearchAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        InstanceStatus? status = null;
        if (!string.IsNullOrWhiteSpace(Status))
        {
            if (QueryValues.TryName<InstanceStatus>(Status, out var parsed))
            {
                status = parsed;
            }
            else
            {
                problems.Add(localizer["Unknown status '{0}'.", Status]);
            }
        }

        long? number = null;
        if (!string.IsNullOrWhiteSpace(Reference))
        {
            number = ReferenceNumbers.Parse(Reference);
            if (number is null)
            {
                problems.Add(localizer["W19_NotAReference", Reference.Trim()]);
            }
        }

        var from = ParseDate(From, "From", problems);
        var to = ParseDate(To, "To", problems);
        if (from is not null && to is not null && from > to)
        {
            problems.Add(localizer["The end date is before the start date."]);
        }

        Problems = problems;
        if (problems.Count > 0)
        {
            return null;
        }

        return new InstanceSearch(
            string.IsNullOrWhiteSpace(Type) ? null : Type.Trim(), status,
            await PeopleMatchingAsync(Subject, ct), await PeopleMatchingAsync(Actor, ct), from, to, number);
    }

    private DateOnly? ParseDate(string? text, string field, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (QueryValues.Date(text, out var date) is null)
        {
            return date;
        }

        problems.Add(QueryValues.DateProblem(localizer, field, text));
        return null;
    }

    /// <summary>Everyone whose user name is the text, or whose name contains it; null when the field is empty.</summary>
    private async Task<IReadOnlyCollection<string>?> PeopleMatchingAsync(string? text, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var wanted = text.Trim();
        var normalized = wanted.ToUpperInvariant();
        return await db.Users.AsNoTracking()
            .Where(u => u.NormalizedUserName == normalized || u.Name.Contains(wanted))
            .Select(u => u.Id).ToListAsync(ct);
    }
}
