"""Flask-WTF forms: each carries a CSRF token field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class RegisterForm(FlaskForm):
    username = StringField(
        "User name",
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[\w.-]+$", message="Letters, digits, '.', '-' and '_' only."),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8)])
    confirm = PasswordField(
        "Repeat the password", validators=[EqualTo("password", message="The passwords differ.")]
    )


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")


class TaskForm(FlaskForm):
    title = StringField("Task", validators=[DataRequired(), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Length(max=2000)])

