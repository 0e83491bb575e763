using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 7,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Adjustments",
                table: "MonthClosings",
                type: "TEXT",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Penalties",
                table: "MonthClosings",
                type: "TEXT",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "Rewards",
                table: "MonthClosings",
                type: "TEXT",
                precision: 18,
                scale: 2,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Violations_OccurredOn_Status_EmployeeId_RuleCode_PenaltyAmount",
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Violations_OccurredOn_Status_EmployeeId_RuleCode_PenaltyAmount",
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
