using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Workflows.Host.Reports;
using Sheet = Workflows.Host.Reports.Sheet;

namespace Workflows.Tests.Reports;

/// <summary>
/// The report downloads as the client receives them: written to the response while the rows are still being read (a
/// year of applications is never held, in memory or in a file), without a synchronous write (Kestrel refuses those).
/// </summary>
public class SheetStreamingTests
{
    private const int RowCount = 30_000;

    private static readonly SheetColumn[] Columns =
    [
        new("姓名", CellKind.Text), new("天数", CellKind.Integer), new("金额", CellKind.Money), new("发起时间", CellKind.DateTime), new("日期", CellKind.Date),
    ];

    private static readonly DateTime Start = new(2026, 3, 2, 9, 0, 0);

    [Theory]
    [InlineData("xlsx")]
    [InlineData("csv")]
    public async Task Download_MostOfItReachesTheClientBeforeTheLastRowIsRead(string format)
    {
        var body = new ResponseBody();
        long sentBeforeLastRow = -1;
        async IAsyncEnumerable<object?[]> Rows()
        {
            for (var i = 0; i < RowCount; i++)
            {
                if (i == RowCount - 1)
                {
                    sentBeforeLastRow = body.Received;
                }

                await Task.Yield();
                yield return [$"员工{i:D6}", i, 12.5m * i - 100m, Start.AddMinutes(i), i % 7 == 0 ? null : DateOnly.FromDateTime(Start).AddDays(i % 365)];
            }
        }

        await (format == "xlsx"
            ? Sheet.WriteXlsxAsync(body, "报表", Columns, Rows(), CancellationToken.None)
            : Sheet.WriteCsvAsync(body, Columns, Rows(), CancellationToken.None));

        Assert.True(sentBeforeLastRow > body.Received / 2,
            $"{sentBeforeLastRow:N0} of {body.Received:N0} bytes had been sent when the last row was read.");
        if (format == "csv")
        {
            var lines = new UTF8Encoding(false).GetString(body.Bytes, 3, body.Bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(RowCount + 1, lines.Length);
            Assert.Equal("员工029999,29999,374887.50,2026-03-23 04:59,2026-05-10", lines[^1]);
            return;
        }

        using var document = SpreadsheetDocument.Open(new MemoryStream(body.Bytes), false);
        var rows = document.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<Row>().ToList();
        Assert.Equal(RowCount + 1, rows.Count);
        var last = rows[^1].Elements<Cell>().ToList();
        Assert.Equal("员工029999", last[0].InnerText);
        Assert.Equal("374887.5", last[2].CellValue!.Text);
        Assert.Equal(Start.AddMinutes(RowCount - 1).ToOADate(), double.Parse(last[3].CellValue!.Text, CultureInfo.InvariantCulture), 6);
    }

    [Fact]
    public async Task Workbook_WithoutRows_IsTheHeaderAlone_OnASheetNamedAsExcelAllows()
    {
        var body = new ResponseBody();
        await Sheet.WriteXlsxAsync(body, " '报表: 2026/03' ", Columns, AsyncEnumerable.Empty<object?[]>(), CancellationToken.None);
        using var document = SpreadsheetDocument.Open(new MemoryStream(body.Bytes), false);
        Assert.Equal("报表 202603", document.WorkbookPart!.Workbook.Descendants<DocumentFormat.OpenXml.Spreadsheet.Sheet>().Single().Name?.Value);
        var rows = document.WorkbookPart!.WorksheetParts.Single().Worksheet.Descendants<Row>().ToList();
        Assert.Equal(["姓名", "天数", "金额", "发起时间", "日期"], Assert.Single(rows).Elements<Cell>().Select(c => c.InnerText));
    }

    /// <summary>A response body as Kestrel's: write-only, not seekable, and a synchronous write is an error.</summary>
    private sealed class ResponseBody : Stream
    {
        private readonly MemoryStream received = new();

        public long Received => received.Length;

        public byte[] Bytes => received.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            received.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                received.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
