using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Localization;
using Workflows.Definitions.Engine;
using Workflows.Host.Platform;
using Workflows.Host.Runtime;

namespace Workflows.Host.Pages;

/// <summary>
/// A history entry in words, for the export, the printable trace and the printed application form: what happened
/// (the step by name, the action or result), who (name), in which role, and the entry's data as "label: value" text —
/// people and groups by name, codes in words, instants in department time; never JSON.
/// </summary>
public sealed class HistoryText(IStringLocalizer localizer, DepartmentClock clock, IReadOnlyDictionary<string, string> names,
    IReadOnlyDictionary<string, string> groups)
{
    /// <summary>Variables that hold an instant: shown in department time.</summary>
    private static readonly HashSet<string> Instants = ["expiresAt", "waitUntil", "dueAt", "expiredAt", "appliedAt", "at"];

    public string Name(string? id) => id is null ? "" : names.TryGetValue(id, out var n) ? n : id;

    public string What(WorkflowDesign? design, HistoryEntry h)
    {
        var step = h.Step is null ? null : localizer.StepName(design, h.Step);
        return h.Kind switch
        {
            HistoryKinds.TaskCompleted => $"{step}: {localizer.Term("Action", h.Action)}",
            HistoryKinds.TaskReturned or HistoryKinds.TaskTransferred or HistoryKinds.SignerAdded => $"{step}: {localizer.Term("Action", h.Action)}",
            HistoryKinds.ActivityCompleted => $"{step}: {localizer.Term("Result", h.Action)}",
            HistoryKinds.TaskDue => localizer["{0}: not done in time", step ?? "—"].Value,
            HistoryKinds.SignalReceived => $"{step}: {localizer.Term("Signal", h.Action)}",
            HistoryKinds.TimerFired => localizer["{0}: waited too long", step ?? "—"].Value,
            HistoryKinds.InstanceCompleted => $"{localizer.Term("Kind", h.Kind)}: {localizer.Term("Outcome", h.Action)}",
            _ => step is null ? localizer.Term("Kind", h.Kind) : $"{localizer.Term("Kind", h.Kind)}: {step}",
        };
    }

    /// <summary>Who acted: the person's name, or "system" for what the engine did on its own.</summary>
    public string Who(HistoryEntry h) => h.ActorId is not null ? Name(h.ActorId) : localizer["System"].Value;

    public string Role(string? role) => role is null ? "" : localizer.Term("Role", role);

    public string Action(string? action) => action is null ? "" : localizer.Term("Action", action);

    /// <summary>The entry's data as readable text: "label: value; label: value", nested objects in brackets.</summary>
    public string Data(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "";
        }

        using var document = JsonDocument.Parse(json);
        var text = new StringBuilder();
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            Object(document.RootElement, text);
        }
        else
        {
            Value("", document.RootElement, text);
        }

        return text.ToString();
    }

    public string Label(string key) => localizer.Term("Field", key);

    /// <summary>One value in words (a person's id as the name, a rank as the rank, …).</summary>
    public string Value(string key, JsonElement value)
    {
        var text = new StringBuilder();
        Value(key, value, text);
        return text.ToString();
    }

    private string Separator => WorkflowText.IsEnglish ? "; " : "；";

    private void Object(JsonElement value, StringBuilder text)
    {
        var first = true;
        foreach (var p in value.EnumerateObject())
        {
            if (!first)
            {
                text.Append(Separator);
            }

            first = false;
            text.Append(Label(p.Name)).Append(WorkflowText.IsEnglish ? ": " : "：");
            Value(p.Name, p.Value, text);
        }
    }

    private void Value(string key, JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(Word(key, value.GetString() ?? ""));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                text.Append(value.GetBoolean() ? localizer["Yes"] : localizer["No"]);
                break;
            case JsonValueKind.Number:
                text.Append(value.GetRawText());
                break;
            case JsonValueKind.Object:
                text.Append('(');
                Object(value, text);
                text.Append(')');
                break;
            case JsonValueKind.Array:
                var items = value.EnumerateArray().ToList();
                if (items.Count == 0)
                {
                    text.Append('—');
                    break;
                }

                for (var i = 0; i < items.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(WorkflowText.IsEnglish ? ", " : "、");
                    }

                    Value(key, items[i], text);
                }

                break;
            default:
                text.Append('—');
                break;
        }
    }

    private string Word(string key, string text)
    {
        if (names.TryGetValue(text, out var name))
        {
            return name;
        }

        if (groups.TryGetValue(text, out var group))
        {
            return group;
        }

        if (Instants.Contains(key) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            return clock.Local(at);
        }

        return key switch
        {
            "targetRank" or "currentRank" or "rank" or "fromRank" => localizer.Term("Rank", text),
            "channel" => localizer.Term("Channel", text),
            "kind" => localizer.Term("SwapKind", text),
            "status" => localizer.Term("ViolationStatus", text) is var v && v != text ? v : localizer.Term("Status", text),
            "outcome" => localizer.Term("Outcome", text),
            _ => text,
        };
    }
}
