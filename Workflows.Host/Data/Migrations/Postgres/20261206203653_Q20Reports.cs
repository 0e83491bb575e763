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

            migrationBuilder.AddColumn<string>(
                name: "ClosedIn",
                table: "Violations",
                type: "character varying(7)",
                maxLength: 7,
                nullable: true);

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

            migrationBuilder.CreateIndex(
                name: "IX_Violations_Open",
                table: "Violations",
                column: "OccurredOn",
                filter: "\"ClosedIn\" IS NULL");

            // Penalties already in a closed statement are no longer open items: marked with their month, as a close marks them now.
            migrationBuilder.Sql("""
                UPDATE "Violations" SET "ClosedIn" = (SELECT l."Month" FROM "ClosedStatementLines" l WHERE l."Kind" = 'Penalty' AND l."SourceId" = "Violations"."Id")
                """);

            // The months closed before: their fund summed from their lines, exactly (numeric), as a close sums it now. SQLite
            // keeps amounts as text and cannot add them exactly: there the ledger report sums such a month's lines itself.
            migrationBuilder.Sql("""
                UPDATE "MonthClosings" SET
                    "Penalties" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = "MonthClosings"."Month" AND l."Kind" = 'Penalty'),
                    "Rewards" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = "MonthClosings"."Month" AND l."Kind" = 'Reward'),
                    "Adjustments" = (SELECT COALESCE(SUM(l."Amount"), 0) FROM "ClosedStatementLines" l WHERE l."Month" = "MonthClosings"."Month" AND l."Kind" = 'Adjustment')
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Violations_OccurredOn_Status_EmployeeId_RuleCode_PenaltyAmo~",
                table: "Violations");

            migrationBuilder.DropIndex(
                name: "IX_Violations_Open",
                table: "Violations");

            migrationBuilder.DropColumn(
                name: "ClosedIn",
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
