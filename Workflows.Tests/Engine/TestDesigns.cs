using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

/// <summary>The test design exercising every step kind, and ways to derive broken variants of it.</summary>
internal static class TestDesigns
{
    public const string AllKindsFile = "all-kinds.json";

    public static ActivityCatalog Catalog { get; } = new ActivityCatalog()
        .Add("test.check", "ok", "fail")
        .Add("test.appoint", "done")
        .Add("test.loop", "again", "stop");

    public static string AllKindsJson { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Engine", "Designs", AllKindsFile));

    public static WorkflowDesign AllKinds { get; } = DesignLoader.Load(AllKindsJson, AllKindsFile, Catalog);

    /// <summary>The all-kinds design with one change applied, as JSON.</summary>
    public static string AllKindsWith(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(AllKindsJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        change(root);
        return root.ToJsonString();
    }

    public static JsonObject Step(this JsonObject design, string id) => design["steps"]![id]!.AsObject();

    /// <summary>Two auto steps that keep sending each other back: a design bug the engine must survive.</summary>
    public static WorkflowDesign PingPong { get; } = DesignLoader.Load(
        """
        {
          "name": "test.ping-pong", "version": 1, "type": "test", "title": "Loops forever", "start": "ping",
          "steps": {
            "ping": { "kind": "auto", "activity": "test.loop", "transitions": { "again": "pong", "stop": "done" } },
            "pong": { "kind": "auto", "activity": "test.loop", "transitions": { "again": "ping", "stop": "done" } },
            "done": { "kind": "end", "outcome": "Done" }
          }
        }
        """,
        "ping-pong.json",
        Catalog);
}
