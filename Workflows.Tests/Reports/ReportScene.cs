using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Workflows.Tests.Disputes;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Disputes.DisputeCalls;

namespace Workflows.Tests.Reports;

/// <summary>
/// A promotion that was returned once and now waits for the supervisor, and a test application rejected by the
/// group leader a day after it was filed: the applications, cycle-time and page tests' known answers.
/// </summary>
public sealed record ReportScene(DisputeTeam Team, string PromotionId, string RejectedId, string GroupName)
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WorkflowsApp, Task<ReportScene>> Scenes = new();

    /// <summary>The scene of this host, built once: the tests of a class share it (and its clock) and read it.</summary>
    public static Task<ReportScene> OfAsync(WorkflowsApp app) => Scenes.GetValue(app, CreateAsync);

    private static async Task<ReportScene> CreateAsync(WorkflowsApp app)
    {
        var team = await DisputeTeam.CreateAsync(app);
        using var hr = await app.LoginAsync("hr");
        var groupName = (await ApiAssert.JsonAsync(await hr.GetAsync($"/api/groups"))).EnumerateArray()
            .Single(g => g.GetProperty("id").GetString() == team.GroupId).GetProperty("name").GetString()!;
        using var member = await team.LoginAsync(team.Member);
        var filed = await ApiAssert.JsonAsync(await member.PostAsJsonAsync("/api/promotions",
            new { candidateId = team.Member.Id, targetRank = "GroupLeader", channel = "Self", statement = "带教新人 / mentoring" }), HttpStatusCode.Created);
        var promotion = filed.GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromHours(1));
        await ApiAssert.JsonAsync(await CompleteAsync(hr, (await OpenTaskAsync(hr, promotion))!.Value, "return", comment: "请补充业绩"));
        await ApiAssert.JsonAsync(await CompleteAsync(member, (await OpenTaskAsync(member, promotion))!.Value, "resubmit", new { statement = "补充：带教新人 3 名" }));
        app.Clock.Advance(TimeSpan.FromHours(2));
        await ApiAssert.JsonAsync(await CompleteAsync(hr, (await OpenTaskAsync(hr, promotion))!.Value, "approve", comment: "材料齐全"));

        var rejected = await app.StartAsync("test.three-approvals", team.Colleague.UserName);
        app.Clock.Advance(TimeSpan.FromDays(1));
        using var leader = await team.LoginAsync(team.Leader);
        await ApiAssert.JsonAsync(await CompleteAsync(leader, (await OpenTaskAsync(leader, rejected))!.Value, "reject", comment: "人手不足"));
        return new ReportScene(team, promotion, rejected, groupName);
    }
}

/// <summary>Reads a downloaded workbook back with the Open XML SDK (the import's reader; the reports are written with SpreadCheetah).</summary>
public sealed class SheetReader
{
    public required List<List<Cell>> Rows { get; init; }

    public required Stylesheet Styles { get; init; }

    /// <summary>The range the header's filter buttons cover: the sheet's auto-filter or its table's.</summary>
    public string? Filter { get; init; }

    /// <summary>Whether the first row stays in view when scrolling (a frozen pane below it).</summary>
    public bool HeaderFrozen { get; init; }

    public static async Task<SheetReader> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var stream = new MemoryStream(bytes);
        using var document = SpreadsheetDocument.Open(stream, false);
        var part = document.WorkbookPart!;
        var sheetPart = part.WorksheetParts.Single();
        var sheet = sheetPart.Worksheet;
        var pane = sheet.Descendants<Pane>().SingleOrDefault();
        return new SheetReader
        {
            Rows = [.. sheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c => (Cell)c.CloneNode(true)).ToList())],
            Styles = (Stylesheet)part.WorkbookStylesPart!.Stylesheet.CloneNode(true),
            Filter = sheet.Elements<AutoFilter>().SingleOrDefault()?.Reference?.Value
                ?? sheetPart.TableDefinitionParts.SingleOrDefault()?.Table.AutoFilter?.Reference?.Value,
            HeaderFrozen = pane is { VerticalSplit.Value: 1.0 } && pane.State?.Value == PaneStateValues.Frozen,
        };
    }

    public static string Text(Cell cell) => cell.InlineString?.InnerText ?? cell.CellValue?.Text ?? "";

    /// <summary>
    /// The cell in the column named <paramref name="header"/> of <paramref name="row"/> (cells are written with their
    /// references), or null when it is blank: a cell without a value reads as empty in Excel, like one left out.
    /// </summary>
    public Cell? At(int row, string header)
    {
        var column = Rows[0].FindIndex(c => Text(c) == header);
        Assert.True(column >= 0, $"No column '{header}' in {string.Join(", ", Rows[0].Select(Text))}.");
        var reference = Column(column) + (row + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Rows[row].SingleOrDefault(c => c.CellReference?.Value == reference && (c.CellValue is not null || c.InlineString is not null));
    }

    public bool IsBold(Cell cell)
    {
        var format = (CellFormat)Styles.CellFormats!.ElementAt((int)(cell.StyleIndex?.Value ?? 0));
        return ((Font)Styles.Fonts!.ElementAt((int)(format.FontId?.Value ?? 0))).Bold is not null;
    }

    public string FormatOf(Cell cell)
    {
        var format = (CellFormat)Styles.CellFormats!.ElementAt((int)(cell.StyleIndex?.Value ?? 0));
        var id = format.NumberFormatId?.Value ?? 0;
        return Styles.NumberingFormats?.Elements<NumberingFormat>().SingleOrDefault(n => n.NumberFormatId?.Value == id)?.FormatCode?.Value ?? $"builtin:{id}";
    }

    private static string Column(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

    public static JsonElement Item(JsonElement items, string id) =>
        items.EnumerateArray().Single(i => i.GetProperty("instanceId").GetString() == id);
}
