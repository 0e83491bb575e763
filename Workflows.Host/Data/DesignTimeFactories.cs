using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Workflows.Host.Data;

// Used only by `dotnet ef migrations add`. Each provider keeps its own migration set:
//   dotnet ef migrations add NAME -p Workflows.Host -c SqliteWorkflowDbContext -o Data/Migrations/Sqlite
//   dotnet ef migrations add NAME -p Workflows.Host -c PostgresWorkflowDbContext -o Data/Migrations/Postgres
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteWorkflowDbContext>
{
    public SqliteWorkflowDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteWorkflowDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresWorkflowDbContext>
{
    public PostgresWorkflowDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresWorkflowDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
