using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Workflows.Host.Pages.Instances;

/// <summary>
/// The design drawn as a graph, as inline SVG rendered on the server (no script): steps are boxes in layers by their
/// distance from the start, transitions are arrows (forward ones down, ways back curving round the right-hand side),
/// the transitions the instance actually took and the steps it entered are drawn strong, the current step stands out.
/// The picture has its natural width; on a narrow screen its box scrolls (the page itself never does).
/// </summary>
public static class FlowGraph
{
    private const int NodeWidth = 164;
    private const int NodeHeight = 46;
    private const int ColumnGap = 28;
    private const int RowGap = 58;
    private const int Margin = 16;
    private const int BackLane = 18;

    /// <summary>Encodes markup characters only; Chinese step names stay readable in the page source, as Razor writes them.</summary>
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    /// <summary>A placed step: its layer (row) and place in the row.</summary>
    private sealed record Placed(FlowStep Step, int Row, int Column)
    {
        public double X { get; set; }

        public double Y { get; set; }
    }

    /// <param name="steps">The steps, start first, in the order they are reached (as the page lists them).</param>
    /// <param name="entered">The steps the instance entered, in order (the path actually taken).</param>
    /// <param name="label">The picture's accessible name.</param>
    public static IHtmlContent Render(IReadOnlyList<FlowStep> steps, IReadOnlyList<string> entered, string label)
    {
        if (steps.Count == 0)
        {
            return HtmlString.Empty;
        }

        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        // Layers: breadth first from the first step; steps nothing reaches go on a last row.
        var row = new Dictionary<string, int>(StringComparer.Ordinal) { [steps[0].Id] = 0 };
        var queue = new Queue<string>([steps[0].Id]);
        while (queue.TryDequeue(out var id))
        {
            foreach (var exit in byId[id].Exits)
            {
                if (byId.ContainsKey(exit.Target) && row.TryAdd(exit.Target, row[id] + 1))
                {
                    queue.Enqueue(exit.Target);
                }
            }
        }

        var lastRow = row.Count == 0 ? 0 : row.Values.Max();
        foreach (var s in steps.Where(s => !row.ContainsKey(s.Id)))
        {
            row[s.Id] = lastRow + 1;
        }

        var placed = new Dictionary<string, Placed>(StringComparer.Ordinal);
        foreach (var group in steps.GroupBy(s => row[s.Id]).OrderBy(g => g.Key))
        {
            var column = 0;
            foreach (var s in group)
            {
                placed[s.Id] = new Placed(s, group.Key, column++);
            }
        }

        var widest = placed.Values.GroupBy(p => p.Row).Max(g => g.Count());
        var rows = placed.Values.Max(p => p.Row) + 1;
        var backEdges = steps.SelectMany(s => s.Exits.Where(e => placed.TryGetValue(e.Target, out var t) && t.Row <= placed[s.Id].Row).Select(e => (s.Id, e.Target)))
            .Distinct().ToList();
        var contentWidth = widest * NodeWidth + (widest - 1) * ColumnGap;
        var width = Margin * 2 + contentWidth + BackLane * (backEdges.Count + 1);
        var height = Margin * 2 + rows * NodeHeight + (rows - 1) * RowGap;
        foreach (var group in placed.Values.GroupBy(p => p.Row))
        {
            var count = group.Count();
            var rowWidth = count * NodeWidth + (count - 1) * ColumnGap;
            var left = Margin + (contentWidth - rowWidth) / 2.0;
            foreach (var p in group)
            {
                p.X = left + p.Column * (NodeWidth + ColumnGap);
                p.Y = Margin + p.Row * (NodeHeight + RowGap);
            }
        }

        var taken = new HashSet<(string, string)>();
        for (var i = 1; i < entered.Count; i++)
        {
            taken.Add((entered[i - 1], entered[i]));
        }

        var html = Encoder;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"flow-graph\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{html.Encode(label)}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        svg.Append("<defs>")
            .Append("<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrow-head\"/></marker>")
            .Append("<marker id=\"arrow-taken\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrow-head taken\"/></marker>")
            .Append("</defs>");

        // Edges first, so the boxes sit on top of them. Several actions to the same step share one arrow.
        var lane = 0;
        var edges = steps.SelectMany(s => s.Exits.Where(e => placed.ContainsKey(e.Target)).Select(e => (From: s.Id, e.Target, e.Label)))
            .GroupBy(e => (e.From, e.Target)).ToList();
        foreach (var edge in edges)
        {
            var from = placed[edge.Key.From];
            var to = placed[edge.Key.Target];
            var wasTaken = taken.Contains(edge.Key);
            var text = string.Join(" / ", edge.Select(e => e.Label).Distinct(StringComparer.Ordinal));
            string path;
            double labelX;
            double labelY;
            if (to.Row > from.Row)
            {
                var x1 = from.X + NodeWidth / 2.0;
                var y1 = from.Y + NodeHeight;
                var x2 = to.X + NodeWidth / 2.0;
                var y2 = to.Y;
                var bend = (y2 - y1) / 2;
                path = F($"M{x1},{y1} C{x1},{y1 + bend} {x2},{y2 - bend} {x2},{y2 - 2}");
                labelX = (x1 + x2) / 2;
                labelY = y1 + Math.Min(bend, RowGap / 2.0) + 4;
            }
            else
            {
                // A way back (or sideways): out of the right side, round the lane, into the target's right side.
                lane++;
                var laneX = Margin + contentWidth + BackLane * lane;
                var x1 = from.X + NodeWidth;
                var y1 = from.Y + NodeHeight / 2.0;
                var x2 = to.X + NodeWidth;
                var y2 = to.Y + NodeHeight / 2.0 - 8;
                path = F($"M{x1},{y1} C{laneX},{y1} {laneX},{y2} {x2 + 2},{y2}");
                labelX = laneX - 4;
                labelY = (y1 + y2) / 2;
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"edge{(wasTaken ? " taken" : "")}\" data-from=\"{html.Encode(edge.Key.From)}\" data-to=\"{html.Encode(edge.Key.Target)}\"><title>{html.Encode(text)}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" marker-end=\"url(#{(wasTaken ? "arrow-taken" : "arrow")})\"/>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(labelX)}\" y=\"{F(labelY)}\" text-anchor=\"{(to.Row > from.Row ? "middle" : "end")}\" class=\"edge-label\">{html.Encode(Shorten(text, 14))}</text></g>");
        }

        foreach (var p in placed.Values)
        {
            var s = p.Step;
            var classes = $"node kind-{s.Kind}{(s.Current ? " current" : "")}{(s.Visited ? " visited" : "")}";
            svg.Append(CultureInfo.InvariantCulture,
                $"<g id=\"step-{html.Encode(s.Id)}\" data-step=\"{html.Encode(s.Id)}\" class=\"{classes}\"{(s.Current ? " aria-current=\"step\"" : "")}>");
            svg.Append(CultureInfo.InvariantCulture, $"<title>{html.Encode(s.Name)}</title>");
            var radius = s.Kind == "end" ? NodeHeight / 2 : 8;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{F(p.X)}\" y=\"{F(p.Y)}\" width=\"{NodeWidth}\" height=\"{NodeHeight}\" rx=\"{radius}\" ry=\"{radius}\"/>");
            var lines = Wrap(s.Name, 2);
            var top = p.Y + (lines.Count == 1 ? NodeHeight / 2.0 + 5 : NodeHeight / 2.0 - 3);
            for (var i = 0; i < lines.Count; i++)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{F(p.X + NodeWidth / 2.0)}\" y=\"{F(top + i * 16)}\" text-anchor=\"middle\" class=\"node-name\">{html.Encode(lines[i])}</text>");
            }

            svg.Append("</g>");
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>How wide a text is in the boxes' font, in the units of <see cref="NodeWidth"/>: a CJK character ~13, Latin ~7.</summary>
    private static double Width(string text) => text.Sum(c => c > 0x2E80 ? 13.0 : 7.0);

    private static string Shorten(string text, int maxCjk)
    {
        if (Width(text) <= maxCjk * 13)
        {
            return text;
        }

        var sb = new StringBuilder();
        foreach (var c in text)
        {
            if (Width(sb.ToString() + c) > maxCjk * 13 - 13)
            {
                break;
            }

            sb.Append(c);
        }

        return sb.Append('…').ToString();
    }

    /// <summary>The name on at most <paramref name="max"/> lines that fit the box; the last cut with "…" (the full name is the tooltip).</summary>
    private static List<string> Wrap(string text, int max)
    {
        const double room = NodeWidth - 14;
        var lines = new List<string>();
        var rest = text.Trim();
        while (rest.Length > 0 && lines.Count < max)
        {
            if (Width(rest) <= room)
            {
                lines.Add(rest);
                rest = "";
                break;
            }

            var cut = 0;
            while (cut < rest.Length && Width(rest[..(cut + 1)]) <= room)
            {
                cut++;
            }

            // Prefer breaking Latin text at a space.
            var space = rest.LastIndexOf(' ', Math.Max(0, cut - 1));
            if (space > cut / 2)
            {
                cut = space;
            }

            lines.Add(rest[..cut].Trim());
            rest = rest[cut..].Trim();
        }

        if (rest.Length > 0)
        {
            var last = lines[^1];
            while (last.Length > 0 && Width(last + "…") > room)
            {
                last = last[..^1];
            }

            lines[^1] = last + "…";
        }

        return lines;
    }
}
