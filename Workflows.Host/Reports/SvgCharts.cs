using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Workflows.Host.Reports;

/// <summary>One bar: its label, its length and the part of it drawn as late (overdue, or a second series).</summary>
public sealed record Bar(string Label, double Value, double Late = 0, string? Note = null);

/// <summary>
/// Charts drawn on the server as inline SVG: no script, nothing for the CSP to allow, and they print. Each scales to
/// its container (a viewBox and width 100%), so a phone gets the same chart smaller; the table beside it has the figures.
/// </summary>
public static class SvgCharts
{
    private const int Width = 640, LabelWidth = 190, RowHeight = 26, ValueGap = 6;

    public static IHtmlContent Bars(string id, string title, IReadOnlyList<Bar> bars, string unit = "")
    {
        if (bars.Count == 0)
        {
            return HtmlString.Empty;
        }

        var max = Math.Max(1, bars.Max(b => b.Value));
        var plot = Width - LabelWidth - 70;
        var height = bars.Count * RowHeight + 8;
        var svg = Open(id, title, height);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var y = 4 + i * RowHeight;
            var length = b.Value / max * plot;
            var late = Math.Min(b.Late, b.Value) / max * plot;
            svg.Append(Inv($"<text x=\"{LabelWidth - ValueGap}\" y=\"{y + 16}\" text-anchor=\"end\">{Text(Shorten(b.Label, 16))}</text>"));
            svg.Append(Inv($"<rect class=\"bar\" x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{Math.Max(length, 1):0.#}\" height=\"{RowHeight - 8}\"><title>{Text(b.Label)}: {Num(b.Value)}{Text(unit)}</title></rect>"));
            if (late > 0)
            {
                svg.Append(Inv($"<rect class=\"bar late\" x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{late:0.#}\" height=\"{RowHeight - 8}\"/>"));
            }

            svg.Append(Inv($"<text x=\"{LabelWidth + length + ValueGap:0.#}\" y=\"{y + 16}\">{Num(b.Value)}{Text(unit)}{(b.Note is null ? "" : " " + Text(b.Note))}</text>"));
        }

        return new HtmlString(svg.Append("</svg>").ToString());
    }

    /// <summary>A line over the months (the fund balance), with each point's value.</summary>
    public static IHtmlContent Line(string id, string title, IReadOnlyList<(string Label, decimal Value)> points)
    {
        if (points.Count == 0)
        {
            return HtmlString.Empty;
        }

        const int height = 220, left = 60, right = 20, top = 20, bottom = 40;
        var min = Math.Min(0m, points.Min(p => p.Value));
        var max = Math.Max(1m, points.Max(p => p.Value));
        var stepX = points.Count == 1 ? 0 : (Width - left - right) / (double)(points.Count - 1);
        double X(int i) => points.Count == 1 ? (Width - left - right) / 2.0 + left : left + i * stepX;
        double Y(decimal v) => top + (double)((max - v) / (max - min)) * (height - top - bottom);
        var svg = Open(id, title, height);
        svg.Append(Inv($"<line class=\"axis\" x1=\"{left}\" y1=\"{Y(0):0.#}\" x2=\"{Width - right}\" y2=\"{Y(0):0.#}\"/>"));
        svg.Append("<polyline class=\"line\" points=\"");
        for (var i = 0; i < points.Count; i++)
        {
            svg.Append(Inv($"{X(i):0.#},{Y(points[i].Value):0.#} "));
        }

        svg.Append("\"/>");
        var every = Math.Max(1, (int)Math.Ceiling(points.Count / 8.0));
        for (var i = 0; i < points.Count; i++)
        {
            var (label, value) = points[i];
            svg.Append(Inv($"<circle cx=\"{X(i):0.#}\" cy=\"{Y(value):0.#}\" r=\"3.5\" class=\"bar\"><title>{Text(label)}: ¥{value:#,##0.00}</title></circle>"));
            if (i % every == 0 || i == points.Count - 1)
            {
                svg.Append(Inv($"<text x=\"{X(i):0.#}\" y=\"{height - 18}\" text-anchor=\"middle\">{Text(label)}</text>"));
                svg.Append(Inv($"<text x=\"{X(i):0.#}\" y=\"{Y(value) - 8:0.#}\" text-anchor=\"middle\">¥{value:#,##0}</text>"));
            }
        }

        return new HtmlString(svg.Append("</svg>").ToString());
    }

    private static StringBuilder Open(string id, string title, int height) =>
        new StringBuilder().Append(Inv($"<svg id=\"{Text(id)}\" class=\"chart\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"{Text(title)}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{Text(title)}</title>"));

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Num(double value) => value.ToString(value % 1 == 0 ? "0" : "0.0", CultureInfo.InvariantCulture);

    private static string Text(string text) => WebUtility.HtmlEncode(text);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
