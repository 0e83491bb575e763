using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Host.Data;
using Workflows.Host.Platform;
using Workflows.Tests.Infrastructure;

namespace Workflows.Tests.Foundation;

/// <summary>
/// On PostgreSQL the host has Npgsql prepare the statements it runs often (short queries skip planning), unless the
/// operator's connection string says otherwise.
/// </summary>
public sealed class PreparedStatementsTests
{
    [Theory]
    [InlineData("Host=db;Database=workflows", 64)]
    [InlineData("Host=db;Database=workflows;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=workflows;maxautoprepare=10", 10)]
    public void AutoPrepare_IsOnByDefault_AndTheOperatorsSettingWins(string given, int expected) =>
        Assert.Equal(expected, new Npgsql.NpgsqlConnectionStringBuilder(Workflows.Host.Platform.DatabaseSetup.WithAutoPrepare(given)).MaxAutoPrepare);
}

public sealed class PreparedStatementsTests_Postgres : IClassFixture<PostgresApp>
{
    private readonly PostgresApp app;

    public PreparedStatementsTests_Postgres(PostgresApp app)
    {
        PostgresLane.EnsureAvailable();
        this.app = app;
    }

    [Fact]
    public async Task AStatementRunOften_IsPreparedOnTheServer()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WorkflowDbContext>();
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 10; i++)
        {
            await db.Groups.AsNoTracking().Where(g => g.Name == "x" + i).ToListAsync();
        }

        var prepared = await db.Database.SqlQueryRaw<long>("""SELECT count(*) AS "Value" FROM pg_prepared_statements WHERE statement LIKE '%"Groups"%'""").SingleAsync();
        Assert.True(prepared > 0, "the query run ten times on one connection was not prepared");
    }
}
