using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Proofs;

/// <summary>
/// Every /api endpoint × every kind of caller, from ONE table (<see cref="Rows"/>): a row per request with the status
/// each caller must get, in the order of <see cref="Caller"/>. Statuses follow docs/api.md §Errors: 401 without credentials,
/// 403 when signed in but not allowed, 404 for what the caller may not know exists. Writes that would change the scene
/// are checked with a body that breaks a rule after the authorization check (a 422 proves the caller got past it).
/// A new endpoint without a row fails <see cref="EveryApiEndpoint_HasARow"/>.
/// </summary>
public abstract class AuthorizationMatrixTests(WorkflowsApp app)
{
    private const string Unknown = "00000000-0000-0000-0000-00000000dead";

    /// <summary>One request and the expected status per caller (anonymous, subject, same-group member, other-group member,
    /// the subject's leader, another leader, supervisor, manager, HR, general manager, senior leadership).</summary>
    /// <param name="Fresh">Each caller signs in anew (the request ends its session, which the cached tokens must survive).</param>
    public sealed record Row(string Method, string Route, string Case, Func<Scene, string> Url, Func<Scene, object?>? Body, int[] Expected,
        Func<WorkflowsApp, Scene, Task>? Before = null, bool Fresh = false)
    {
        public string Key => $"{Method} {Route} · {Case}";
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    // anon, subject, peer, other member, leader, other leader, supervisor, manager, HR, GM, leadership
    public static readonly Row[] Rows =
    [
        new("POST", "/api/auth/login", "anyone may sign in", _ => "/api/auth/login", _ => new { userName = "member3d", password = WorkflowsApp.DemoPassword },
            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/auth/refresh", "a token that is none", _ => "/api/auth/refresh", _ => new { refreshToken = "not-a-token" },
            [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401]),
        new("POST", "/api/auth/logout", "one's own session", _ => "/api/auth/logout", null, [401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204], Fresh: true),
        new("GET", "/api/me", "self", _ => "/api/me", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/me/password", "a wrong current password", _ => "/api/me/password", _ => new { currentPassword = "Wrong@2026x", newPassword = "Matrix@2026xy" },
            [401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
        new("GET", "/api/system", "public facts", _ => "/api/system", null, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),

        // Organization: everyone signed in reads it (members see names and ranks only); HR changes it.
        new("GET", "/api/employees", "list", _ => "/api/employees", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/employees/{id}", "the subject", s => $"/api/employees/{s.Id(Caller.Subject)}", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/employees/{id}", "guessed id", _ => $"/api/employees/{Unknown}", null, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("POST", "/api/employees", "a new member", _ => "/api/employees",
            s => new { userName = "mx" + Unique(), name = "矩阵 Matrix", password = "Matrix@2026x", rank = "Member", groupId = s.Group1Id },
            [401, 403, 403, 403, 403, 403, 403, 403, 201, 403, 403]),
        new("GET", "/api/groups", "list", _ => "/api/groups", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/groups", "a new group", _ => "/api/groups", _ => new { name = "矩阵组" + Unique() }, [401, 403, 403, 403, 403, 403, 403, 403, 201, 403, 403]),
        new("GET", "/api/seats", "list", _ => "/api/seats", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/seats", "a member seat (rule broken after the check)", _ => "/api/seats", _ => new { rank = "Member" },
            [401, 403, 403, 403, 403, 403, 403, 403, 422, 403, 403]),
        new("POST", "/api/org/import", "a JSON body, not a table (refused after the check)", _ => "/api/org/import?dryRun=true", _ => new { userName = "x" },
            [401, 403, 403, 403, 403, 403, 403, 403, 400, 403, 403]),
        new("POST", "/api/seats/{id}/vacate", "an already vacant seat", s => $"/api/seats/{s.VacantSeatId}/vacate", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),

        // Violations and eligibility: the employee, their leader, the supervisor, the manager and HR.
        new("GET", "/api/violation-rules", "catalog", _ => "/api/violation-rules", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/violations", "against the subject", _ => "/api/violations",
            s => new { employeeId = s.Id(Caller.Subject), ruleCode = "R09", occurredOn = "2026-03-02", description = "矩阵 matrix" },
            [401, 403, 403, 403, 201, 403, 201, 201, 201, 403, 403]),
        new("GET", "/api/violations/{id}", "the subject's violation", s => $"/api/violations/{s.DisputedViolationId}", null,
            [401, 200, 403, 403, 200, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/violations/{id}", "guessed id", _ => $"/api/violations/{Unknown}", null, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("GET", "/api/employees/{id}/violations", "the subject's", s => $"/api/employees/{s.Id(Caller.Subject)}/violations", null,
            [401, 200, 403, 403, 200, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/eligibility", "the subject's", s => $"/api/eligibility?employeeId={s.Id(Caller.Subject)}&targetRank=GroupLeader", null,
            [401, 200, 403, 403, 200, 403, 200, 200, 200, 403, 403]),

        // Roster: anyone signed in reads; the group's leader, the supervisor, the manager and HR arrange.
        new("GET", "/api/shifts", "list", _ => "/api/shifts", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/shifts/{id}", "a group-1 shift", s => $"/api/shifts/{s.SpareShiftOfSubject}", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/shifts", "a group-1 shift", _ => "/api/shifts",
            s => new { groupId = s.Group1Id, date = "2026-03-20", start = "09:00", end = "17:00", minStaff = 0 },
            [401, 403, 403, 403, 201, 403, 201, 201, 201, 403, 403]),
        new("POST", "/api/shifts/{id}/assignments", "HR's account (no rank: rule broken after the check)", s => $"/api/shifts/{s.SpareShiftOfSubject}/assignments",
            s => new { employeeId = s.Id(Caller.HR) }, [401, 403, 403, 403, 422, 403, 422, 422, 422, 403, 403]),
        new("DELETE", "/api/shifts/{id}/assignments/{employeeId}", "someone not on the shift (nothing changes)",
            s => $"/api/shifts/{s.SpareShiftOfSubject}/assignments/{s.Id(Caller.HR)}", null, [401, 403, 403, 403, 404, 403, 404, 404, 404, 403, 403]),
        new("POST", "/api/shift-swaps", "the subject's shift", _ => "/api/shift-swaps",
            s => new { shiftId = s.SpareShiftOfSubject, counterpartId = s.Id(Caller.SameGroupMember), reason = "矩阵 matrix" },
            [401, 201, 403, 403, 403, 403, 403, 403, 403, 403, 403]),

        // Disputes: only the employee; those who may not read the violation are told it does not exist.
        new("POST", "/api/disputes", "the subject's violation", _ => "/api/disputes", s => new { violationId = s.UndisputedViolationId, reason = "矩阵 matrix" },
            [401, 201, 404, 404, 403, 404, 403, 403, 403, 404, 404]),

        // Promotions (docs/domain.md §Filing and channels): who may file through each channel; target Member is refused after the check.
        new("POST", "/api/promotions", "Self", _ => "/api/promotions",
            s => new { candidateId = s.Id(Caller.Subject), targetRank = "Member", channel = "Self", statement = "矩阵" },
            [401, 422, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
        new("POST", "/api/promotions", "DepartmentRecommendation", _ => "/api/promotions",
            s => new { candidateId = s.Id(Caller.Subject), targetRank = "Member", channel = "DepartmentRecommendation", statement = "矩阵" },
            [401, 403, 403, 403, 422, 403, 422, 422, 403, 403, 403]),
        new("POST", "/api/promotions", "OtherDepartmentRecommendation", _ => "/api/promotions",
            s => new { candidateId = s.Id(Caller.Subject), targetRank = "Member", channel = "OtherDepartmentRecommendation", statement = "矩阵" },
            [401, 403, 403, 403, 403, 403, 403, 403, 422, 422, 422]),
        new("POST", "/api/promotions", "SupervisorNomination", _ => "/api/promotions",
            s => new { candidateId = s.Id(Caller.Subject), targetRank = "Member", channel = "SupervisorNomination", statement = "矩阵" },
            [401, 403, 403, 403, 403, 403, 422, 403, 403, 403, 403]),

        // Instances: HR sees all; others what they started, are the subject of, acted on or have a task in; else 404.
        new("GET", "/api/instances", "list (filtered per caller)", _ => "/api/instances", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/instances/{id}", "the subject's promotion", s => $"/api/instances/{s.PromotionId}", null, [401, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404]),
        new("GET", "/api/instances/{id}", "the subject's swap", s => $"/api/instances/{s.SwapId}", null, [401, 200, 200, 404, 404, 404, 404, 404, 200, 404, 404]),
        // The dispute is about a violation the group leader recorded: they may read it (and are refused acting on it, 403).
        new("GET", "/api/instances/{id}", "the subject's dispute", s => $"/api/instances/{s.DisputeId}", null, [401, 200, 404, 404, 200, 404, 200, 404, 200, 404, 404]),
        new("GET", "/api/instances/{id}", "guessed id", _ => $"/api/instances/{Unknown}", null, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("GET", "/api/instances/{id}/history", "the subject's promotion", s => $"/api/instances/{s.PromotionId}/history", null, [401, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404]),
        new("GET", "/api/instances/{id}/history", "the subject's swap", s => $"/api/instances/{s.SwapId}/history", null, [401, 200, 200, 404, 404, 404, 404, 404, 200, 404, 404]),
        new("GET", "/api/instances/{id}/history", "the subject's dispute", s => $"/api/instances/{s.DisputeId}/history", null, [401, 200, 404, 404, 200, 404, 200, 404, 200, 404, 404]),
        new("POST", "/api/instances/{id}/withdraw", "the subject's dispute", s => $"/api/instances/{s.WithdrawableDisputeId}/withdraw", null,
            [401, 200, 404, 404, 403, 404, 403, 404, 403, 404, 404]),
        new("POST", "/api/instances/{id}/retry", "a promotion at a human step", s => $"/api/instances/{s.PromotionId}/retry", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 409, 403, 403]),

        // Tasks: the candidates act; the subject never does (403); others who see the instance get 403, the rest 404.
        new("GET", "/api/tasks", "inbox", _ => "/api/tasks", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/tasks/{id}", "HR's promotion task", s => $"/api/tasks/{s.PromotionTaskId}", null, [401, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404]),
        new("GET", "/api/tasks/{id}", "the counterpart's swap task", s => $"/api/tasks/{s.SwapTaskId}", null, [401, 200, 200, 404, 404, 404, 404, 404, 200, 404, 404]),
        new("GET", "/api/tasks/{id}", "the supervisor's dispute task", s => $"/api/tasks/{s.DisputeTaskId}", null, [401, 200, 404, 404, 200, 404, 200, 404, 200, 404, 404]),
        new("GET", "/api/tasks/{id}", "guessed id", _ => $"/api/tasks/{Unknown}", null, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("POST", "/api/tasks/{id}/claim", "the supervisor's dispute task", s => $"/api/tasks/{s.DisputeTaskId}/claim", null,
            [401, 403, 404, 404, 403, 404, 200, 404, 403, 404, 404]),
        new("POST", "/api/tasks/{id}/release", "the supervisor's dispute task, claimed", s => $"/api/tasks/{s.DisputeTaskId}/release", null,
            [401, 403, 404, 404, 403, 404, 200, 404, 403, 404, 404],
            Before: async (app, s) =>
            {
                using var supervisor = await app.LoginAsync("supervisor");
                await ApiAssert.JsonAsync(await supervisor.PostAsync($"/api/tasks/{s.DisputeTaskId}/claim", null));
            }),
        new("POST", "/api/tasks/{id}/complete", "HR's promotion task, reject without comment", s => $"/api/tasks/{s.PromotionTaskId}/complete",
            _ => new { action = "reject" }, [401, 403, 404, 404, 404, 404, 404, 404, 422, 404, 404]),
        new("POST", "/api/tasks/{id}/complete", "the counterpart's swap task, decline without comment", s => $"/api/tasks/{s.SwapTaskId}/complete",
            _ => new { action = "decline" }, [401, 403, 422, 404, 404, 404, 404, 404, 403, 404, 404]),
        new("POST", "/api/tasks/{id}/complete", "the supervisor's dispute task, reduce without amount", s => $"/api/tasks/{s.DisputeTaskId}/complete",
            _ => new { action = "reduce", comment = "矩阵" }, [401, 403, 404, 404, 403, 404, 422, 404, 403, 404, 404]),
        new("POST", "/api/tasks/{id}/complete", "guessed id", _ => $"/api/tasks/{Unknown}/complete",
            _ => new { action = "approve" }, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),

        // Approval actions: only who may act on the task (or copy, remind) gets past the check; handing the task to its
        // subject, or to somebody who does not work here, is then refused (422). Anyone else learns nothing: not even
        // whether the colleague named exists.
        new("POST", "/api/tasks/{id}/transfer", "the supervisor's dispute task, to nobody known", s => $"/api/tasks/{s.DisputeTaskId}/transfer",
            _ => new { toEmployeeId = Unknown }, [401, 403, 404, 404, 403, 404, 422, 404, 403, 404, 404]),
        new("POST", "/api/tasks/{id}/add-signer", "the supervisor's dispute task, nobody known", s => $"/api/tasks/{s.DisputeTaskId}/add-signer",
            _ => new { employeeId = Unknown, position = "before" }, [401, 403, 404, 404, 403, 404, 422, 404, 403, 404, 404]),
        new("POST", "/api/instances/{id}/cc", "the subject's dispute, to nobody known", s => $"/api/instances/{s.DisputeId}/cc",
            _ => new { employeeIds = new[] { Unknown } }, [401, 403, 404, 404, 403, 404, 422, 404, 422, 404, 404]),
        new("POST", "/api/tasks/{id}/transfer", "the supervisor's dispute task, to its subject", s => $"/api/tasks/{s.DisputeTaskId}/transfer",
            s => new { toEmployeeId = s.Id(Caller.Subject) }, [401, 403, 404, 404, 403, 404, 422, 404, 403, 404, 404]),
        new("POST", "/api/tasks/{id}/add-signer", "the supervisor's dispute task, its subject", s => $"/api/tasks/{s.DisputeTaskId}/add-signer",
            s => new { employeeId = s.Id(Caller.Subject), position = "after" }, [401, 403, 404, 404, 403, 404, 422, 404, 403, 404, 404]),
        new("POST", "/api/tasks/bulk-complete", "a guessed task (answered per task)", _ => "/api/tasks/bulk-complete",
            _ => new { taskIds = new[] { Unknown }, action = "approve" }, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/instances/{id}/remind", "the subject's dispute", s => $"/api/instances/{s.DisputeId}/remind", null,
            [401, 200, 404, 404, 403, 404, 403, 404, 403, 404, 404]),
        new("POST", "/api/instances/{id}/cc", "the subject's dispute, to its subject", s => $"/api/instances/{s.DisputeId}/cc",
            s => new { employeeIds = new[] { s.Id(Caller.Subject) } }, [401, 403, 404, 404, 403, 404, 200, 404, 200, 404, 404]),
        new("GET", "/api/cc", "copied to me", _ => "/api/cc", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("GET", "/api/me/delegation", "none set", _ => "/api/me/delegation", null, [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("PUT", "/api/me/delegation", "without a delegate", _ => "/api/me/delegation", _ => new { from = "2026-03-02", to = "2026-03-06" },
            [401, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
        new("DELETE", "/api/me/delegation", "none set", _ => "/api/me/delegation", null, [401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
        new("GET", "/api/employees/{id}/delegation", "the subject's, none set", s => $"/api/employees/{s.Id(Caller.Subject)}/delegation", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403]),
        new("PUT", "/api/employees/{id}/delegation", "the subject's, without a delegate", s => $"/api/employees/{s.Id(Caller.Subject)}/delegation",
            _ => new { from = "2026-03-02", to = "2026-03-06" }, [401, 403, 403, 403, 403, 403, 403, 403, 400, 403, 403]),
        new("DELETE", "/api/employees/{id}/delegation", "the subject's, none set", s => $"/api/employees/{s.Id(Caller.Subject)}/delegation", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 204, 403, 403]),

        // Ledger.
        new("POST", "/api/rewards", "for the subject", _ => "/api/rewards",
            s => new { employeeId = s.Id(Caller.Subject), amount = 10m, reason = "矩阵 matrix", awardedOn = "2026-03-02" },
            [401, 403, 403, 403, 403, 403, 201, 201, 403, 403, 403]),
        new("GET", "/api/statements", "the subject's March", s => $"/api/statements?employeeId={s.Id(Caller.Subject)}&month=2026-03", null,
            [401, 200, 403, 403, 200, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/statements", "own (filtered per caller)", _ => "/api/statements", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/months/{month}/close", "February", _ => "/api/months/2026-02/close", null, [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
        new("GET", "/api/fund", "the department fund", _ => "/api/fund", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),

        // Notifications: everyone their own; HR the failed deliveries.
        new("GET", "/api/notifications", "own", _ => "/api/notifications", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/notifications/read-all", "own", _ => "/api/notifications/read-all", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("POST", "/api/notifications/{id}/read", "guessed id", _ => $"/api/notifications/{Unknown}/read", null,
            [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
        new("GET", "/api/me/notification-settings", "own", _ => "/api/me/notification-settings", null, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        new("PUT", "/api/me/notification-settings", "an unknown language (rule broken after the check)", _ => "/api/me/notification-settings",
            _ => new { language = "fr" }, [401, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
        new("GET", "/api/notification-deliveries", "failed", _ => "/api/notification-deliveries?status=Failed", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
        new("POST", "/api/notification-deliveries/{id}/retry", "guessed id", _ => $"/api/notification-deliveries/{Unknown}/retry", null,
            [401, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403]),
        new("GET", "/api/reports/applications", "this month's applications", _ => "/api/reports/applications", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/reports/applications", "as a workbook", _ => "/api/reports/applications?format=xlsx", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/reports/ledger", "March's ledger", _ => "/api/reports/ledger?month=2026-03", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/reports/cycle-times", "this month's cycle times", _ => "/api/reports/cycle-times", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),
        new("GET", "/api/reports/violations", "this month's violations", _ => "/api/reports/violations", null, [401, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403]),
    ];

    public static TheoryData<string> RowKeys => [.. Rows.Select(r => r.Key)];

    [Fact]
    public void EveryApiEndpoint_HasARow()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(endpoints.Count >= 30, $"Expected the API's endpoints, found {endpoints.Count}.");
        var covered = Rows.Select(r => $"{r.Method} {r.Route}").ToHashSet(StringComparer.Ordinal);

        var missing = endpoints.Except(covered).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Endpoints without a row in the authorization matrix: " + string.Join("; ", missing));
        var stale = covered.Except(endpoints).Order(StringComparer.Ordinal).ToList();
        Assert.True(stale.Count == 0, "Matrix rows for endpoints that do not exist: " + string.Join("; ", stale));
        Assert.All(Rows, r => Assert.Equal(Enum.GetValues<Caller>().Length, r.Expected.Length));
        Assert.Equal(Rows.Length, Rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(RowKeys))]
    public async Task Caller_GetsTheExpectedStatus(string key)
    {
        var row = Rows.Single(r => r.Key == key);
        var scene = await Scene.OfAsync(app);
        if (row.Before is not null)
        {
            await row.Before(app, scene);
        }

        // Callers expected to succeed go last, so a write they make cannot change what the others are answered.
        var callers = Enum.GetValues<Caller>().OrderBy(c => row.Expected[(int)c] is >= 200 and < 300).ToList();
        var wrong = new List<string>();
        foreach (var caller in callers)
        {
            var expected = row.Expected[(int)caller];
            using var client = await Scene.ClientAsync(app, caller, row.Fresh);
            using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Url(scene));
            if (row.Body?.Invoke(scene) is { } body)
            {
                request.Content = JsonContent.Create(body);
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != expected)
            {
                wrong.Add($"{caller}: expected {expected}, got {(int)response.StatusCode} {text}");
                continue;
            }

            if (expected >= 400)
            {
                // Refusals are ProblemDetails and carry none of the scene's data.
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    $"{caller}: {expected} without ProblemDetails ({response.Content.Headers.ContentType}).");
                Assert.DoesNotContain(Scene.Marker, text, StringComparison.Ordinal);
            }
        }

        Assert.True(wrong.Count == 0, $"{key}:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Lists_ShowNobodyElsesRecords()
    {
        var scene = await Scene.OfAsync(app);
        foreach (var caller in new[] { Caller.SameGroupMember, Caller.OtherGroupMember, Caller.OtherLeader, Caller.GeneralManager, Caller.SeniorLeadership })
        {
            using var client = await Scene.ClientAsync(app, caller);
            var instances = await (await client.GetAsync($"/api/instances?subjectId={scene.Id(Caller.Subject)}&pageSize=200")).Content.ReadAsStringAsync();
            var statements = await (await client.GetAsync("/api/statements?month=2026-03")).Content.ReadAsStringAsync();
            var tasks = await (await client.GetAsync("/api/tasks?status=Open")).Content.ReadAsStringAsync();
            Assert.DoesNotContain(scene.PromotionId, instances, StringComparison.Ordinal);
            Assert.DoesNotContain(scene.DisputeId, instances, StringComparison.Ordinal);
            if (caller != Caller.SameGroupMember)
            {
                // 黄磊 is the counterpart of the swap and sees that one; nobody else here sees any of the subject's.
                Assert.DoesNotContain(Scene.Marker, instances, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(scene.Id(Caller.Subject), statements, StringComparison.Ordinal);
            Assert.DoesNotContain(scene.DisputeTaskId, tasks, StringComparison.Ordinal);
            Assert.DoesNotContain(scene.PromotionTaskId, tasks, StringComparison.Ordinal);
        }

        // The same lists do show them to those who may see them: the checks above can fail.
        using var hr = await Scene.ClientAsync(app, Caller.HR);
        Assert.Contains(scene.PromotionId, await (await hr.GetAsync($"/api/instances?subjectId={scene.Id(Caller.Subject)}&pageSize=200")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var leader = await Scene.ClientAsync(app, Caller.Leader);
        Assert.Contains(scene.Id(Caller.Subject), await (await leader.GetAsync("/api/statements?month=2026-03")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class AuthorizationMatrixTests_Sqlite(SqliteApp app) : AuthorizationMatrixTests(app), IClassFixture<SqliteApp>;

public sealed class AuthorizationMatrixTests_Postgres : AuthorizationMatrixTests, IClassFixture<PostgresApp>
{
    public AuthorizationMatrixTests_Postgres(PostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
