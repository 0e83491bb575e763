using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Disputes;

/// <summary>A fresh group with its leader and members, created by HR, so each dispute test owns its people.</summary>
public sealed record DisputeTeam(WorkflowsApp App, string GroupId, Person Leader, Person Member, Person Colleague)
{
    public const string Password = "Test@2026x";

    public static async Task<DisputeTeam> CreateAsync(WorkflowsApp app)
    {
        using var hr = await app.LoginAsync("hr");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var group = await ApiAssert.JsonAsync(await hr.PostAsJsonAsync("/api/groups", new { name = "申诉组" + suffix }), HttpStatusCode.Created);
        var groupId = group.GetProperty("id").GetString()!;

        async Task<Person> EmployeeAsync(string prefix, string rank)
        {
            var userName = prefix + suffix;
            var created = await hr.PostAsJsonAsync("/api/employees", new { userName, name = "测试" + userName, password = Password, rank, groupId });
            return new Person(userName, (await ApiAssert.JsonAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!);
        }

        return new DisputeTeam(app, groupId, await EmployeeAsync("dl", "GroupLeader"), await EmployeeAsync("dm", "Member"), await EmployeeAsync("dc", "Member"));
    }

    public Task<HttpClient> LoginAsync(Person person) => App.LoginAsync(person.UserName, Password);
}

public sealed record Person(string UserName, string Id);

public static class DisputeCalls
{
    /// <summary>Records a violation of <paramref name="employeeId"/> as the client's user; returns its id.</summary>
    public static async Task<string> RecordAsync(HttpClient recorder, string employeeId, string occurredOn, decimal amount, string ruleCode = "R06")
    {
        var response = await recorder.PostAsJsonAsync("/api/violations",
            new { employeeId, ruleCode, occurredOn, description = "申诉测试 / dispute test", penaltyAmount = amount });
        return (await ApiAssert.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public static Task<HttpResponseMessage> DisputeAsync(HttpClient employee, string violationId, string? reason = "记录有误 / the record is wrong") =>
        employee.PostAsJsonAsync("/api/disputes", new { violationId, reason });

    /// <summary>Opens a dispute and returns the instance (asserting 201 and its Location).</summary>
    public static async Task<JsonElement> OpenAsync(HttpClient employee, string violationId)
    {
        var response = await DisputeAsync(employee, violationId);
        var instance = await ApiAssert.JsonAsync(response, HttpStatusCode.Created);
        Assert.Equal($"/api/instances/{instance.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return instance;
    }

    public static async Task<JsonElement> ViolationAsync(WorkflowsApp app, string violationId)
    {
        using var hr = await app.LoginAsync("hr");
        var body = await ApiAssert.JsonAsync(await hr.GetAsync($"/api/violations/{violationId}"));
        return body.TryGetProperty("violation", out var inner) ? inner : body;
    }

    public static async Task<JsonElement?> OpenTaskAsync(HttpClient client, string instanceId)
    {
        var inbox = await ApiAssert.JsonAsync(await client.GetAsync("/api/tasks?status=Open"));
        return inbox.EnumerateArray().Where(t => t.GetProperty("instanceId").GetString() == instanceId).Select(t => (JsonElement?)t).SingleOrDefault();
    }

    public static Task<HttpResponseMessage> CompleteAsync(HttpClient client, JsonElement task, string action, object? data = null, string? comment = null) =>
        client.PostAsJsonAsync($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { action, comment, data });

    public static async Task<JsonElement> StatementAsync(WorkflowsApp app, string employeeId, string month)
    {
        using var hr = await app.LoginAsync("hr");
        return Assert.Single((await ApiAssert.JsonAsync(await hr.GetAsync($"/api/statements?employeeId={employeeId}&month={month}"))).EnumerateArray());
    }

    public static async Task<JsonElement> EligibilityAsync(WorkflowsApp app, string employeeId)
    {
        using var hr = await app.LoginAsync("hr");
        return await ApiAssert.JsonAsync(await hr.GetAsync($"/api/eligibility?employeeId={employeeId}&targetRank=GroupLeader"));
    }

    public static string[] Kinds(JsonElement[] history) => [.. history.Select(h => h.GetProperty("kind").GetString()!)];
}
