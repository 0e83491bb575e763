using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Operations;

/// <summary>
/// The <c>bench</c> verb, small, as an operator runs it: the runner bench with its baselines and the inbox, and the
/// company-scale reports bench. Its figures are not judged here (they belong to a quiet machine); what is judged is that
/// it still runs against today's schema, which it writes by hand: a new non-null or unique column once broke it unseen.
/// </summary>
public abstract class BenchVerbTests(Lane lane)
{
    [Fact]
    public async Task TheRunnerBench_RunsEveryRound_AndTimesTheInbox()
    {
        await using var database = await FreshDatabase.CreateAsync(lane);
        var settings = new Dictionary<string, string>(database.Settings()) { ["Database__DataDirectory"] = database.Folder };
        var run = await VerbProcess.RunAsync(settings, null, "bench", "--instances", "40", "--rounds", "1", "--inbox-tasks", "400", "--inbox-employees", "40");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("every instance Approved", run.Output, StringComparison.Ordinal);
        Assert.Contains("runner / baseline time per completion", run.Output, StringComparison.Ordinal);
        Assert.Contains("inbox query with 400 open tasks", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReportsBench_LoadsACompany_AndTimesEveryQuery()
    {
        await using var database = await FreshDatabase.CreateAsync(lane);
        var settings = new Dictionary<string, string>(database.Settings()) { ["Database__DataDirectory"] = database.Folder };
        var run = await VerbProcess.RunAsync(settings, null, "bench", "--reports", "300", "--employees", "300", "--rounds", "1");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("inbox, a supervisor", run.Output, StringComparison.Ordinal);
        Assert.Contains("ledger report, an open month", run.Output, StringComparison.Ordinal);
        Assert.Contains(".xlsx", run.Output, StringComparison.Ordinal);
    }
}

public sealed class BenchVerbTests_Sqlite() : BenchVerbTests(Lane.Sqlite);

public sealed class BenchVerbTests_Postgres : BenchVerbTests
{
    public BenchVerbTests_Postgres() : base(Lane.Postgres) => PostgresLane.EnsureAvailable();
}
