using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Definitions.Engine;
using Workflows.Host.Runtime;

namespace Workflows.Tests.Infrastructure;

/// <summary>Small conveniences over the demo department and the runner for tests.</summary>
public static class AppExtensions
{
    private static readonly ConcurrentDictionary<(WorkflowsApp, string), string> Ids = new();

    public static async Task<string> IdOfAsync(this WorkflowsApp app, string userName)
    {
        if (Ids.TryGetValue((app, userName), out var id))
        {
            return id;
        }

        using var hr = await app.LoginAsync("hr");
        var employees = await ApiAssert.JsonAsync(await hr.GetAsync("/api/employees"));
        foreach (var e in employees.EnumerateArray())
        {
            Ids[(app, e.GetProperty("userName").GetString()!)] = e.GetProperty("id").GetString()!;
        }

        return Ids[(app, userName)];
    }

    /// <summary>Starts an instance through the real runner (domain endpoints do this for the product's designs).</summary>
    public static async Task<string> StartAsync(this WorkflowsApp app, string design, string subjectUser, string? starterUser = null, params (string Name, object? Value)[] variables)
    {
        var subject = await app.IdOfAsync(subjectUser);
        var starter = await app.IdOfAsync(starterUser ?? subjectUser);
        await using var scope = app.Services.CreateAsyncScope();
        var runner = scope.ServiceProvider.GetRequiredService<WorkflowRunner>();
        var result = await runner.StartAsync(design, subject, starter, "Applicant", WorkflowVariables.Of(variables), CancellationToken.None);
        return result switch
        {
            RunResult.Ok ok => ok.Instance.Id,
            RunResult.Refused refused when refused.Status == 503 => (await ScopeInstanceIdAsync(app, subject)),
            RunResult.Refused refused => throw new InvalidOperationException($"Start refused: {refused.Status} {refused.Detail}"),
            _ => throw new InvalidOperationException(),
        };
    }

    private static Task<string> ScopeInstanceIdAsync(WorkflowsApp app, string subject) =>
        app.WithDbAsync(db => Task.FromResult(db.Instances.Where(i => i.SubjectId == subject).OrderByDescending(i => i.StartedAt).First().Id));

    public static async Task<int> SweepAsync(this WorkflowsApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TimerJobs>().SweepAsync(CancellationToken.None);
    }

    public static async Task<int> SignalAsync(this WorkflowsApp app, string name, object? data = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Workflows.Host.Data.WorkflowDbContext>();
        SignalDispatcher.Raise(db, scope.ServiceProvider.GetRequiredService<Workflows.Host.Platform.DepartmentClock>(), name, data);
        await db.SaveChangesAsync();
        return await scope.ServiceProvider.GetRequiredService<SignalDispatcher>().DispatchPendingAsync(CancellationToken.None);
    }

    /// <summary>The open task of an instance in the given user's inbox.</summary>
    public static async Task<JsonElement> TaskInInboxAsync(this WorkflowsApp app, string userName, string instanceId)
    {
        using var client = await app.LoginAsync(userName);
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    public static async Task<JsonElement> InstanceAsync(this WorkflowsApp app, string instanceId, string userName = "hr")
    {
        using var client = await app.LoginAsync(userName);
        return await ApiAssert.JsonAsync(await client.GetAsync($"/api/instances/{instanceId}"));
    }

    public static async Task<JsonElement[]> HistoryAsync(this WorkflowsApp app, string instanceId, string userName = "hr")
    {
        using var client = await app.LoginAsync(userName);
        return [.. (await ApiAssert.JsonAsync(await client.GetAsync($"/api/instances/{instanceId}/history"))).EnumerateArray()];
    }

    public static ImmutableDictionary<string, JsonElement> NoData => WorkflowVariables.Empty;
}
