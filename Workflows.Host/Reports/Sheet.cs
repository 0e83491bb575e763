using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
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
/// A report as a download: the same columns and rows as an .xlsx workbook (DocumentFormat.OpenXml, ADR 0013) or a CSV
/// file. Rows come as an async sequence and are written as they come, so a year of applications is never held whole.
/// Cell values: <see cref="string"/>, <see cref="int"/>, <see cref="decimal"/>, <see cref="DateOnly"/>,
/// <see cref="DateTime"/> (already in department time) or null.
/// </summary>
public static class Sheet
{
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>Style indexes in the stylesheet below, by cell kind.</summary>
    private const uint HeaderStyle = 1, MoneyStyle = 2, DateStyle = 3, DateTimeStyle = 4, DecimalStyle = 5;

    /// <summary>The yuan format Excel's own "¥ Chinese (PRC)" currency uses; negative amounts in red with a minus.</summary>
    public const string MoneyFormat = "[$¥-804]#,##0.00;[Red][$¥-804]-#,##0.00";

    public const string DateFormat = "yyyy-mm-dd";

    public const string DateTimeFormat = "yyyy-mm-dd hh:mm";

    /// <summary>
    /// Writes the workbook to <paramref name="output"/>. The package is built in a temporary file (the Open XML
    /// package writer needs a seekable stream and writes synchronously, which Kestrel refuses on the response), with
    /// the SAX writer so memory stays flat, then copied to the output asynchronously; the file deletes itself.
    /// </summary>
    public static async Task WriteXlsxAsync(Stream output, string sheetName, IReadOnlyList<SheetColumn> columns, IAsyncEnumerable<object?[]> rows,
        CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), "workflows-report-" + Guid.NewGuid().ToString("N") + ".xlsx");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        using (var document = SpreadsheetDocument.Create(file, SpreadsheetDocumentType.Workbook))
        {
            var workbookPart = document.AddWorkbookPart();
            var styles = workbookPart.AddNewPart<WorkbookStylesPart>();
            styles.Stylesheet = Stylesheet();
            var sheetPart = workbookPart.AddNewPart<WorksheetPart>();
            using (var writer = OpenXmlWriter.Create(sheetPart))
            {
                writer.WriteStartElement(new Worksheet());
                writer.WriteStartElement(new SheetViews());
                writer.WriteStartElement(new SheetView { WorkbookViewId = 0 });
                writer.WriteElement(new Pane { VerticalSplit = 1, TopLeftCell = "A2", ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen });
                writer.WriteEndElement();
                writer.WriteEndElement();
                writer.WriteStartElement(new Columns());
                for (var c = 0; c < columns.Count; c++)
                {
                    writer.WriteElement(new Column { Min = (uint)c + 1, Max = (uint)c + 1, Width = columns[c].Width, CustomWidth = true });
                }

                writer.WriteEndElement();
                writer.WriteStartElement(new SheetData());
                WriteRow(writer, 1, [.. columns.Select(c => (object?)c.Header)], columns, header: true);
                var rowIndex = 1;
                await foreach (var row in rows.WithCancellation(ct))
                {
                    WriteRow(writer, ++rowIndex, row, columns, header: false);
                }

                writer.WriteEndElement();
                if (rowIndex > 1)
                {
                    writer.WriteElement(new AutoFilter { Reference = $"A1:{ColumnName(columns.Count - 1)}{rowIndex}" });
                }

                writer.WriteEndElement();
            }

            workbookPart.Workbook = new Workbook(new Sheets(new DocumentFormat.OpenXml.Spreadsheet.Sheet
            {
                Id = workbookPart.GetIdOfPart(sheetPart),
                SheetId = 1,
                Name = SafeSheetName(sheetName),
            }));
        }

        file.Position = 0;
        await file.CopyToAsync(output, ct);
    }

    /// <summary>CSV for Excel: UTF-8 with a byte order mark, CRLF, amounts as plain numbers and dates as yyyy-MM-dd (Excel reads both as such).</summary>
    public static async Task WriteCsvAsync(Stream output, IReadOnlyList<SheetColumn> columns, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
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

    private static void WriteRow(OpenXmlWriter writer, int index, object?[] values, IReadOnlyList<SheetColumn> columns, bool header)
    {
        writer.WriteStartElement(new Row { RowIndex = (uint)index });
        for (var c = 0; c < values.Length && c < columns.Count; c++)
        {
            var value = values[c];
            if (value is null)
            {
                continue;
            }

            var reference = ColumnName(c) + index.ToString(CultureInfo.InvariantCulture);
            if (header || value is string)
            {
                var text = Clean((string)value);
                var cell = new Cell { CellReference = reference, DataType = CellValues.InlineString };
                if (header)
                {
                    cell.StyleIndex = HeaderStyle;
                }

                cell.AppendChild(new InlineString(new Text(text) { Space = SpaceProcessingModeValues.Preserve }));
                writer.WriteElement(cell);
                continue;
            }

            var (number, style) = value switch
            {
                decimal d => (d.ToString(CultureInfo.InvariantCulture), columns[c].Kind == CellKind.Money ? MoneyStyle : DecimalStyle),
                int i => (i.ToString(CultureInfo.InvariantCulture), 0u),
                long l => (l.ToString(CultureInfo.InvariantCulture), 0u),
                double x => (x.ToString("R", CultureInfo.InvariantCulture), DecimalStyle),
                DateOnly d => (d.ToDateTime(TimeOnly.MinValue).ToOADate().ToString(CultureInfo.InvariantCulture), DateStyle),
                DateTime t => (t.ToOADate().ToString(CultureInfo.InvariantCulture), DateTimeStyle),
                _ => throw new InvalidOperationException($"A report cell cannot hold a {value.GetType().Name}."),
            };
            var numeric = new Cell { CellReference = reference, CellValue = new CellValue(number) };
            if (style != 0)
            {
                numeric.StyleIndex = style;
            }

            writer.WriteElement(numeric);
        }

        writer.WriteEndElement();
    }

    /// <summary>XML 1.0 cannot carry most control characters; the text a person typed never has them, a stray one is dropped.</summary>
    private static string Clean(string text) =>
        text.AsSpan().IndexOfAnyInRange('\0', '\u0008') < 0 && text.AsSpan().IndexOfAnyInRange('\u000B', '\u001F') < 0 ? text
            : new string([.. text.Where(ch => ch is '\t' or '\n' or '\r' || ch >= ' ')]);

    private static string SafeSheetName(string name)
    {
        var cleaned = new string([.. name.Where(ch => ch is not ('[' or ']' or ':' or '*' or '?' or '/' or '\\'))]);
        return cleaned.Length > 31 ? cleaned[..31] : cleaned.Length == 0 ? "Sheet1" : cleaned;
    }

    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + ((n - 1) % 26)) + name;
        }

        return name;
    }

    private static Stylesheet Stylesheet() => new(
        new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = MoneyFormat },
            new NumberingFormat { NumberFormatId = 165, FormatCode = DateFormat },
            new NumberingFormat { NumberFormatId = 166, FormatCode = DateTimeFormat },
            new NumberingFormat { NumberFormatId = 167, FormatCode = "0.0" }) { Count = 4 },
        new Fonts(new Font(), new Font(new Bold())) { Count = 2 },
        new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 })) { Count = 2 },
        new Borders(new Border()) { Count = 1 },
        new CellFormats(
            new CellFormat(),
            new CellFormat { FontId = 1, ApplyFont = true },
            new CellFormat { NumberFormatId = 164, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 165, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 166, ApplyNumberFormat = true },
            new CellFormat { NumberFormatId = 167, ApplyNumberFormat = true }) { Count = 6 });
}
