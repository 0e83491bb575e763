using System.Globalization;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Ledger;
using Workflows.Host.Auth;
using Workflows.Host.Pages;
using Workflows.Host.Platform;

namespace Workflows.Host.Reports;

public sealed record ApplicationReportItem(
    string InstanceId, string Type, string SubjectId, string SubjectName, string? GroupName, string StartedBy, string? Channel,
    DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, string Status, string? Outcome, string? CurrentStep, IReadOnlyList<string> CurrentApprovers,
    int DaysOpen, int Returns, string Reference);

/// <param name="Next">With <c>pageSize</c>: the cursor (<c>after=</c>) of the next page, null on the last; always null without it.</param>
public sealed record ApplicationsReport(IAsyncEnumerable<ApplicationReportItem> Items, int Total, string? Next = null);

public sealed record CycleTimeItem(string Type, string Step, int Completed, double? P50Hours, double? P90Hours, int Open, int Overdue);

/// <summary>HR's reports (docs/api.md §Reports): JSON, or an .xlsx workbook or CSV file with <c>format=</c>.</summary>
public static class ReportsApi
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ReportsService>();
        builder.Services.AddScoped<CycleTimeRollup>();
        return builder;
    }

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reports").WithTags("Reports");
        api.MapGet("/applications", Applications);
        api.MapGet("/ledger", Ledger);
        api.MapGet("/cycle-times", CycleTimes);
        api.MapGet("/violations", Violations);
        return app;
    }

    private const string Refused = "Only HR, the supervisor and the manager see the department's reports / 只有人事部、主管和经理可以查看报表";

    public static async Task<IResult> Applications(CurrentActor current, ReportsService reports, IStringLocalizer<SharedResource> localizer,
        DepartmentClock clock, CancellationToken ct, string? type = null, DateOnly? from = null, DateOnly? to = null, string? format = null, string? lang = null,
        int? pageSize = null, string? after = null)
    {
        if (Check(format, lang, from, to) is { } invalid)
        {
            return invalid;
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problems.Invalid("pageSize", $"pageSize is between 1 and {MaxPageSize}.");
        }

        ApplicationCursor? cursor = null;
        if (after is not null && !ApplicationCursor.TryParse(after, out cursor))
        {
            return Problems.Invalid("after", "after is the 'next' cursor of the previous page.");
        }

        if (!ReportsService.MaySee(await current.GetAsync(ct)))
        {
            return Problems.Forbidden(Refused);
        }

        var range = RangeOf(string.IsNullOrWhiteSpace(type) ? null : type.Trim(), from, to, clock);
        var name = string.Create(CultureInfo.InvariantCulture, $"applications-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}");
        Func<string, string, string, string> stepName = (t, s, title) => localizer.StepName(t, s, title);
        if (IsDownload(format))
        {
            var columns = ApplicationColumns(localizer);
            var rows = reports.ApplicationsAsync(range, stepName, ct).Select(r => ApplicationCells(r, reports, localizer));
            return Download(format!, name, localizer["Applications"], columns, rows);
        }

        var total = await reports.CountApplicationsAsync(range, ct);
        if (pageSize is { } size)
        {
            // One row more than the page says whether another page follows.
            var page = await reports.ApplicationsAsync(range, null, ct, cursor, size + 1).ToListAsync(ct);
            var next = page.Count > size ? new ApplicationCursor(page[size - 1].StartedAt, page[size - 1].InstanceId).ToString() : null;
            return TypedResults.Ok(new ApplicationsReport(page.Take(size).Select(Item).ToAsyncEnumerable(), total, next));
        }

        return TypedResults.Ok(new ApplicationsReport(reports.ApplicationsAsync(range, null, ct, cursor).Select(Item), total));
    }

    /// <summary>The largest page of the applications report's JSON.</summary>
    public const int MaxPageSize = 5000;

    private static ApplicationReportItem Item(ApplicationReportRow r) => new(r.InstanceId, r.Type, r.SubjectId, r.SubjectName,
        r.GroupName, r.StartedBy, r.Channel, r.StartedAt, r.CompletedAt, r.Status, r.Outcome, r.CurrentStep, r.CurrentApprovers, r.DaysOpen, r.Returns,
        Runtime.ReferenceNumbers.Format(r.Number));

    public static async Task<IResult> Ledger(CurrentActor current, ReportsService reports, IStringLocalizer<SharedResource> localizer,
        DepartmentClock clock, CancellationToken ct, string? month = null, string? format = null, string? lang = null)
    {
        if (Check(format, lang, null, null) is { } invalid)
        {
            return invalid;
        }

        var wanted = LedgerMonth.Of(clock.Today);
        if (month is not null && !LedgerMonth.TryParse(month, out wanted))
        {
            return Problems.Invalid("month", $"'{month}' is not a month in the form yyyy-MM.");
        }

        if (!ReportsService.MaySee(await current.GetAsync(ct)))
        {
            return Problems.Forbidden(Refused);
        }

        var report = await reports.LedgerAsync(wanted, ct);
        if (!IsDownload(format))
        {
            return TypedResults.Ok(report);
        }

        SheetColumn[] columns =
        [
            new(localizer["Name"], CellKind.Text, 16), new(localizer["Group"], CellKind.Text, 14), new(localizer["Penalties"], CellKind.Money, 14),
            new(localizer["Rewards"], CellKind.Money, 14), new(localizer["Adjustments"], CellKind.Money, 14), new(localizer["Total"], CellKind.Money, 14),
        ];
        var rows = report.Employees.Select(e => new object?[] { e.Name, e.GroupName, e.Penalties, e.Rewards, e.Adjustments, e.Total });
        object?[][] totals =
        [
            [localizer["Department total"].Value, null, report.Employees.Sum(e => e.Penalties), report.Employees.Sum(e => e.Rewards),
                report.Employees.Sum(e => e.Adjustments), report.Employees.Sum(e => e.Total)],
            [localizer["Fund balance"].Value, localizer.Term("StatementStatus", report.Status.ToString()), null, null, null, report.Fund.Balance],
        ];
        return Download(format!, "ledger-" + report.Month, localizer["Ledger"] + " " + report.Month, columns, rows.ToAsyncEnumerable(), totals);
    }

    public static async Task<IResult> CycleTimes(CurrentActor current, ReportsService reports, IStringLocalizer<SharedResource> localizer,
        DepartmentClock clock, CancellationToken ct, string? type = null, DateOnly? from = null, DateOnly? to = null)
    {
        if (Check(null, null, from, to) is { } invalid)
        {
            return invalid;
        }

        if (!ReportsService.MaySee(await current.GetAsync(ct)))
        {
            return Problems.Forbidden(Refused);
        }

        var rows = await reports.CycleTimesAsync(RangeOf(string.IsNullOrWhiteSpace(type) ? null : type.Trim(), from, to, clock),
            (t, s, title) => localizer.StepName(t, s, title), ct);
        return TypedResults.Ok(rows.Select(r => new CycleTimeItem(r.Type, r.Step, r.Completed, r.P50Hours, r.P90Hours, r.Open, r.Overdue)).ToArray());
    }

    public static async Task<IResult> Violations(CurrentActor current, ReportsService reports, DepartmentClock clock, CancellationToken ct,
        DateOnly? from = null, DateOnly? to = null)
    {
        if (Check(null, null, from, to) is { } invalid)
        {
            return invalid;
        }

        if (!ReportsService.MaySee(await current.GetAsync(ct)))
        {
            return Problems.Forbidden(Refused);
        }

        var range = RangeOf(null, from, to, clock);
        return TypedResults.Ok((await reports.ViolationsAsync(range.From, range.To, ct)).ToArray());
    }

    /// <summary>Without dates a report covers the current month; with only one end, the month it falls in to that end or from it.</summary>
    public static ReportRange RangeOf(string? type, DateOnly? from, DateOnly? to, DepartmentClock clock)
    {
        var month = LedgerMonth.Of(from ?? to ?? clock.Today);
        return new ReportRange(type, from ?? month.FirstDay, to ?? (from is null ? month.LastDay : LedgerMonth.Of(from.Value).LastDay));
    }

    private static IResult? Check(string? format, string? lang, DateOnly? from, DateOnly? to)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (format is not null && format is not ("json" or "xlsx" or "csv"))
        {
            errors["format"] = [$"'{format}' is not a format: json, xlsx or csv."];
        }

        if (lang is not null)
        {
            if (WebLocalization.IsSupported(lang))
            {
                var culture = CultureInfo.GetCultureInfo(lang.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? WebLocalization.English : WebLocalization.Chinese);
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
            }
            else
            {
                errors["lang"] = [$"'{lang}' is not a language: zh-CN or en."];
            }
        }

        foreach (var (field, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is { } d && !DateBounds.Contains(d))
            {
                errors[field] = [DateBounds.Message(d)];
            }
        }

        if (errors.Count == 0 && from is { } f && to is { } t && f > t)
        {
            errors["to"] = ["The end date is before the start date."];
        }

        return errors.Count == 0 ? null : Problems.Invalid(errors);
    }

    private static bool IsDownload(string? format) => format is "xlsx" or "csv";

    /// <summary>
    /// The download, written after the handler has returned: the rows' words (types, statuses, steps) are looked up while
    /// it is written, so the handler's culture (<c>lang=</c> included) is set again around the writing.
    /// </summary>
    private static IResult Download(string format, string name, string sheetName, IReadOnlyList<SheetColumn> columns, IAsyncEnumerable<object?[]> rows,
        IReadOnlyList<object?[]>? totals = null)
    {
        var culture = CultureInfo.CurrentUICulture;
        Task Write(Stream stream)
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            return format == "xlsx"
                ? Sheet.WriteXlsxAsync(stream, sheetName, columns, rows, CancellationToken.None, totals)
                : Sheet.WriteCsvAsync(stream, columns, rows, CancellationToken.None, totals);
        }

        return format == "xlsx"
            ? Results.Stream(Write, Sheet.XlsxContentType, name + ".xlsx")
            : Results.Stream(Write, "text/csv; charset=utf-8", name + ".csv");
    }

    public static SheetColumn[] ApplicationColumns(IStringLocalizer localizer) =>
    [
        new(localizer["W19_Reference"], CellKind.Text, 12), new(localizer["Type"], CellKind.Text, 12), new(localizer["Applicant"], CellKind.Text, 12), new(localizer["Group"], CellKind.Text, 12),
        new(localizer["Channel"], CellKind.Text, 12), new(localizer["Started by"], CellKind.Text, 12), new(localizer["Started at"], CellKind.DateTime, 17),
        new(localizer["Finished at"], CellKind.DateTime, 17), new(localizer["Status"], CellKind.Text, 10), new(localizer["Outcome"], CellKind.Text, 10),
        new(localizer["Current step"], CellKind.Text, 16), new(localizer["Current approvers"], CellKind.Text, 20), new(localizer["Days open"], CellKind.Integer, 10),
        new(localizer["Times returned"], CellKind.Integer, 10),
    ];

    public static object?[] ApplicationCells(ApplicationReportRow r, ReportsService reports, IStringLocalizer localizer) =>
    [
        Runtime.ReferenceNumbers.Format(r.Number), localizer.Term("Type", r.Type), r.SubjectName, r.GroupName, r.Channel is null ? null : localizer.Term("Channel", r.Channel), r.StartedByName,
        reports.LocalTime(r.StartedAt), r.CompletedAt is { } done ? reports.LocalTime(done) : null, localizer.Term("Status", r.Status),
        r.Outcome is null ? null : localizer.Term("Outcome", r.Outcome), r.CurrentStepName, string.Join(WorkflowText.IsEnglish ? ", " : "、", r.CurrentApprovers),
        r.DaysOpen, r.Returns,
    ];
}
