using System.Text;

namespace Workflows.Host.Pages.History;

/// <summary>
/// RFC 4180 CSV for spreadsheets: CRLF line ends, fields with a comma, quote or line break quoted with
/// doubled quotes, and cells that a spreadsheet would run as a formula (starting with = + - @, tab or
/// carriage return) prefixed with an apostrophe (OWASP "CSV injection").
/// </summary>
public static class Csv
{
    /// <summary>The UTF-8 byte order mark: without it Excel reads the file in the local code page and garbles Chinese.</summary>
    public static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Line(IEnumerable<string?> cells)
    {
        var line = new StringBuilder();
        foreach (var cell in cells)
        {
            if (line.Length > 0)
            {
                line.Append(',');
            }

            line.Append(Cell(cell));
        }

        return line.Append("\r\n").ToString();
    }
}
