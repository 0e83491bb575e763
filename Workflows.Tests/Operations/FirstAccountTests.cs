using System.Net;
using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Text;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Operations;

/// <summary>
/// From an empty department to HR signed in: the <c>create-hr</c> verb (password from standard input here; the child
/// process test in <see cref="HostVerbProcessTests"/> uses the environment variable), then HR imports the organisation.
/// </summary>
public abstract class FirstAccountTests(OperationsApp app)
{
    [Fact]
    public async Task CreateHr_OnAnEmptyDepartment_ThenHrSignsIn_ImportsTheOrg_AndASecondHrIsRefused()
    {
        Assert.Equal(0, (await app.RowCountsAsync()).Users);
        using var anonymous = app.CreateClient();
        await ApiAssert.ProblemAsync(await anonymous.PostAsJsonAsync("/api/auth/login", new { userName = "hr", password = WorkflowsApp.DemoPassword }), HttpStatusCode.Unauthorized);

        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            var code = await Verbs.CreateHrAsync(["--user", "linjing", "--name", "林静"], app.Services, new StringReader("Lin@Jing2026\n"), output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains("linjing", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Lin@Jing2026", output.ToString(), StringComparison.Ordinal);
        }

        using var hr = await app.LoginAsync("linjing", "Lin@Jing2026");
        var me = await ApiAssert.JsonAsync(await hr.GetAsync("/api/me"));
        Assert.Equal(["HR"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("林静", me.GetProperty("name").GetString());

        // A second HR account is refused, and nothing is written.
        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            Assert.Equal(1, await Verbs.CreateHrAsync(["--user", "second", "--name", "二号"], app.Services, new StringReader("Second@2026\n"), output, error));
            Assert.Contains("an HR account exists", error.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, (await app.RowCountsAsync()).Users);

        // The department from a file: the manager's and the supervisor's seats are opened by it on an empty database.
        var file = "userName,name,rank,group,roles,email\nzhaomin,赵敏,Manager,,,\nsunhao,孙浩,Supervisor,,,\nzhouting,周婷,GroupLeader,一组,,\nliuyang,刘洋,Member,一组,,\n";
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(file));
        body.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var result = await ApiAssert.JsonAsync(await hr.PostAsync("/api/org/import", body));
        Assert.Equal(4, result.GetProperty("created").GetInt32());
        var seats = await ApiAssert.JsonAsync(await hr.GetAsync("/api/seats"));
        Assert.Equal(3, seats.GetArrayLength());
        Assert.All(seats.EnumerateArray(), s => Assert.Equal(JsonValueKindString, s.GetProperty("holderId").ValueKind));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindString = System.Text.Json.JsonValueKind.String;

    [Fact]
    public async Task CreateHr_WithoutAPasswordOrAName_IsAUsageError()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, await Verbs.CreateHrAsync(["--user", "x"], app.Services, new StringReader("Some@Pass2026\n"), output, error));
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Verbs.PasswordVariable)))
        {
            Assert.Equal(2, await Verbs.CreateHrAsync(["--user", "x", "--name", "X"], app.Services, new StringReader(""), output, error));
        }
    }
}

public sealed class FirstAccountTests_Sqlite(EmptySqliteApp app) : FirstAccountTests(app), IClassFixture<EmptySqliteApp>;

public sealed class FirstAccountTests_Postgres : FirstAccountTests, IClassFixture<EmptyPostgresApp>
{
    public FirstAccountTests_Postgres(EmptyPostgresApp app) : base(app) => PostgresLane.EnsureAvailable();
}
