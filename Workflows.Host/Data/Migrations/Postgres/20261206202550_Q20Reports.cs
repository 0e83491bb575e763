using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Q20Reports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Violations_OccurredOn",
                table: "Violations");

            migrationBuilder.AddColumn<decimal>(
                name: "Adjustments",
                table: "MonthClosings",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Penalties",
                table: "MonthClosings",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Rewards",
                table: "MonthClosings",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Violations_OccurredOn_Status_EmployeeId_RuleCode_PenaltyAmo~",
                table: "Violations",
                columns: new[] { "OccurredOn", "Status", "EmployeeId", "RuleCode", "PenaltyAmount" });

            // The months closed before: their fund summed from their lines, exactly (numeric), as a close sums it now.
            migrationBuilder.Sql("""
                UPDATE "MonthClosings" m SET
                    "Penalties" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = m."Month" AND l."Kind" = 'Penalty'),
                    "Rewards" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = m."Month" AND l."Kind" = 'Reward'),
                    "Adjustments" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = m."Month" AND l."Kind" = 'Adjustment');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Violations_OccurredOn_Status_EmployeeId_RuleCode_PenaltyAmo~",
                table: "Violations");

            migrationBuilder.DropColumn(
                name: "Adjustments",
                table: "MonthClosings");

            migrationBuilder.DropColumn(
                name: "Penalties",
                table: "MonthClosings");

            migrationBuilder.DropColumn(
                name: "Rewards",
                table: "MonthClosings");

            migrationBuilder.CreateIndex(
                name: "IX_Violations_OccurredOn",
                table: "Violations",
                column: "OccurredOn");
        }
    }
}
