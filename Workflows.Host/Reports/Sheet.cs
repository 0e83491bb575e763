using System.Globalization;
using System.Text;
using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Tables;
using SpreadCheetah.Worksheets;
using Workflows.Host.Pages.History;

namespace Workflows.Host.Reports;

/// <summary>How a column's cells are written: text, a whole number, a yuan amount, a calendar date or a local date and time.</summary>
public enum CellKind
{
    Text,
    Integer,
    Decimal,
    Money,
    Date,
    DateTime,
}

public sealed record SheetColumn(string Header, CellKind Kind, double Width = 14);

/// <summary>
/// A report as a download: the same columns and rows as an .xlsx workbook (SpreadCheetah, ADR 0016) or a CSV file. Rows
/// come as an async sequence and are written to the output as they come: nothing is held but the row being written and
/// the writers' buffers, so a year of applications takes as little memory as a day's.
/// Cell values: <see cref="string"/>, <see cref="int"/>, <see cref="decimal"/>, <see cref="DateOnly"/>,
/// <see cref="DateTime"/> (already in department time) or null.
/// </summary>
public static class Sheet
{
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>The yuan format Excel's own "¥ Chinese (PRC)" currency uses; negative amounts in red with a minus.</summary>
    public const string MoneyFormat = "[$¥-804]#,##0.00;[Red][$¥-804]-#,##0.00";

    public const string DateFormat = "yyyy-mm-dd";

    public const string DateTimeFormat = "yyyy-mm-dd hh:mm";

    private const string DecimalFormat = "0.0";

    /// <summary>
    /// Writes the workbook straight to <paramref name="output"/> (the response body): one sheet, a bold frozen header row,
    /// inline strings, money, dates and times as numbers with their formats, and the rows as an Excel table (with
    /// <see cref="TableStyle.None"/>: no colours) so the header has filter buttons over exactly the rows written. The
    /// <paramref name="totals"/> rows (bold) follow the table, outside it: sorting or filtering the rows leaves them last.
    /// </summary>
    public static async Task WriteXlsxAsync(Stream output, string sheetName, IReadOnlyList<SheetColumn> columns, IAsyncEnumerable<object?[]> rows,
        CancellationToken ct, IReadOnlyList<object?[]>? totals = null)
    {
        var body = new DeferredSyncWriteStream(output);
        var options = new SpreadCheetahOptions
        {
            // The references cost a few per cent; readers that look cells up by reference (ADO's provider, our tests) need them.
            WriteCellReferenceAttributes = true,
            PreserveStringWhitespace = true,
            DefaultDateTimeFormat = NumberFormat.Custom(DateTimeFormat),
        };
        await using (var spreadsheet = await Spreadsheet.CreateNewAsync(body, options, ct))
        {
            var sheetOptions = new WorksheetOptions { FrozenRows = 1 };
            for (var c = 0; c < columns.Count; c++)
            {
                sheetOptions.Column(c + 1).Width = columns[c].Width;
            }

            await spreadsheet.StartWorksheetAsync(SafeSheetName(sheetName), sheetOptions, ct);
            var header = spreadsheet.AddStyle(new Style { Font = { Bold = true } });
            var styles = new Styles(
                spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(MoneyFormat) }),
                spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DecimalFormat) }),
                spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DateFormat) }),
                spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DateTimeFormat) }));
            var headers = columns.Select(c => Clean(c.Header)).ToArray();
            await using var rowEnumerator = rows.GetAsyncEnumerator(ct);
            var any = await rowEnumerator.MoveNextAsync();
            // Excel repairs a table without a data row or with two columns of one name; such a sheet gets no table.
            var table = any && headers.All(h => h.Trim().Length > 0) && headers.Distinct(StringComparer.OrdinalIgnoreCase).Count() == headers.Length;
            if (table)
            {
                spreadsheet.StartTable(new Table(TableStyle.None));
            }

            await spreadsheet.AddHeaderRowAsync(headers, header, ct);
            var cells = new StyledCell[columns.Count];
            while (any)
            {
                var row = rowEnumerator.Current;
                for (var c = 0; c < cells.Length; c++)
                {
                    cells[c] = CellOf(c < row.Length ? row[c] : null, columns[c].Kind, styles);
                }

                await spreadsheet.AddRowAsync(cells, ct);
                any = await rowEnumerator.MoveNextAsync();
            }

            if (table)
            {
                await spreadsheet.FinishTableAsync(ct);
            }

            if (totals is { Count: > 0 })
            {
                var bold = new Styles(
                    spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(MoneyFormat), Font = { Bold = true } }),
                    spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DecimalFormat), Font = { Bold = true } }),
                    spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DateFormat), Font = { Bold = true } }),
                    spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(DateTimeFormat), Font = { Bold = true } }));
                foreach (var row in totals)
                {
                    for (var c = 0; c < cells.Length; c++)
                    {
                        var value = c < row.Length ? row[c] : null;
                        cells[c] = value is string text ? new StyledCell(Clean(text), header) : CellOf(value, columns[c].Kind, bold);
                    }

                    await spreadsheet.AddRowAsync(cells, ct);
                }
            }

            await spreadsheet.FinishAsync(ct);
        }

        await body.FlushAsync(ct);
    }

    private sealed record Styles(StyleId Money, StyleId Decimal, StyleId Date, StyleId DateTime);

    private static StyledCell CellOf(object? value, CellKind kind, Styles styles) => value switch
    {
        null => new StyledCell((string?)null, null),
        string s => new StyledCell(Clean(s), null),
        decimal d => new StyledCell(d, kind == CellKind.Money ? styles.Money : styles.Decimal),
        int i => new StyledCell(i, null),
        long l => new StyledCell(l, null),
        double x => new StyledCell(x, styles.Decimal),
        DateOnly d => new StyledCell(d.ToDateTime(TimeOnly.MinValue), styles.Date),
        DateTime t => new StyledCell(t, styles.DateTime),
        _ => throw new InvalidOperationException($"A report cell cannot hold a {value.GetType().Name}."),
    };

    /// <summary>CSV for Excel: UTF-8 with a byte order mark, CRLF, amounts as plain numbers and dates as yyyy-MM-dd (Excel reads both as such).</summary>
    public static async Task WriteCsvAsync(Stream output, IReadOnlyList<SheetColumn> columns, IAsyncEnumerable<object?[]> rows, CancellationToken ct,
        IReadOnlyList<object?[]>? totals = null)
    {
        await output.WriteAsync(Csv.Bom.ToArray(), ct);
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024, leaveOpen: true);
        await writer.WriteAsync(Csv.Line(columns.Select(c => c.Header)));
        var count = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            await writer.WriteAsync(CsvLine(row));
            if (++count % 1000 == 0)
            {
                await writer.FlushAsync(ct);
            }
        }

        foreach (var row in totals ?? [])
        {
            await writer.WriteAsync(CsvLine(row));
        }

        await writer.FlushAsync(ct);
    }

    /// <summary>A row: numbers as they are (a negative amount is a number, not a formula to defuse), text through <see cref="Csv.Cell"/>.</summary>
    private static string CsvLine(object?[] row) =>
        string.Join(",", row.Select(v => v is decimal or int or long or double ? CsvText(v) : Csv.Cell(CsvText(v)))) + "\r\n";

    private static string? CsvText(object? value) => value switch
    {
        null => null,
        string s => s,
        decimal d => d.ToString("0.00##", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double x => x.ToString("0.##", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>XML 1.0 cannot carry most control characters; the text a person typed never has them, a stray one is dropped.</summary>
    private static string Clean(string text) =>
        text.AsSpan().IndexOfAnyInRange('\0', '\u0008') < 0 && text.AsSpan().IndexOfAnyInRange('\u000B', '\u001F') < 0 ? text
            : new string([.. text.Where(ch => ch is '\t' or '\n' or '\r' || ch >= ' ')]);

    /// <summary>What Excel takes as a sheet name: none of []:*?/\, not starting or ending with a quote, 1–31 characters.</summary>
    private static string SafeSheetName(string name)
    {
        var cleaned = new string([.. name.Where(ch => ch is not ('[' or ']' or ':' or '*' or '?' or '/' or '\\'))]).Trim().Trim('\'').Trim();
        cleaned = cleaned.Length > 31 ? cleaned[..31].TrimEnd().TrimEnd('\'') : cleaned;
        return cleaned.Length == 0 ? "Sheet1" : cleaned;
    }
}
